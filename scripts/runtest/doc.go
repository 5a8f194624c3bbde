// Package runtest tests `make run` (scripts/run.sh) the way a newcomer meets
// it: in a pseudo-terminal, first and second run, and with its port taken.
package runtest
