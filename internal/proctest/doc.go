// Package proctest is what the process-table tests and benchmarks share:
// programs copied under names of the test's choosing, many processes to
// list, and the CPU time a benchmark spent; and, on Unix, commands that
// run a test of this test binary (TestAsNobody) or another program
// (AsNobody) as the unprivileged user nobody.
package proctest
