// Command sessionguard-server is the SessionGuard central server: the agent
// API, the fleet dashboard, exports and retention. See `sessionguard-server
// --help`.
package main

import (
	"os"
	"runtime"

	"github.com/sessionguard/sessionguard/internal/servercli"
)

func main() {
	if n, ok := procs(os.Getenv("GOMAXPROCS") != "", runtime.GOMAXPROCS(0), runtime.NumCPU()); ok {
		runtime.GOMAXPROCS(n)
	}
	os.Exit(servercli.Main(os.Args[1:], os.Stdout, os.Stderr))
}

// procs says whether to run Go code on one more thread (P) than the
// machine's CPUs, and how many that is: yes unless GOMAXPROCS was given or
// the runtime chose fewer Ps than CPUs (a container's CPU limit, which one
// more would exceed; the runtime then also keeps following that limit).
//
// Why: ingest's serial stages — the group commit's one writer, its WAL
// flush, the batched token look-ups — block in system calls (fsync, the
// WAL's page writes, page reads). A goroutine coming back from a blocking
// call needs a P; with every P running request handlers it waits in the
// global run queue, and every report queued behind it waits too. With one
// P more than CPUs it usually finds one free, and the kernel shares the
// CPUs among the threads. Measured under sgload (issue 21 item 6, 100k
// devices, 64 connections, 3 KB reports, SQLite, 2 CPUs, load 1-3, 9 pairs
// alternating with GOMAXPROCS=3 given by hand): p99 lower in every pair
// (21.7-37.2 -> 15.7-24.1 ms), the rate higher in 7 (medians 9,150 ->
// 9,735 reports/s), server CPU 154 -> 149 us a report (medians).
func procs(given bool, current, cpus int) (int, bool) {
	if given || current < cpus {
		return current, false
	}
	return cpus + 1, true
}
