// Package proctest is what the process-table tests and benchmarks share:
// programs copied under names of the test's choosing, many processes to
// list, and the CPU time a benchmark spent.
package proctest
