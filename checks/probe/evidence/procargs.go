package evidence

import (
	"slices"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// KeepProcessArgs adds the checks' ArgsKeepers. A recorded process keeps
// its id, name, executable and user; its command line only as far as the
// longest answer of these keepers (a prefix of it), nothing when none
// asks for it.
func (r *Recorder) KeepProcessArgs(keep ...probe.ArgsKeeper) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keepArgs = append(r.keepArgs, keep...)
}

// minimalProcess is pr as a bundle keeps it (see KeepProcessArgs).
func minimalProcess(pr probe.Process, keep []probe.ArgsKeeper) probe.Process {
	out := probe.Process{PID: pr.PID, Name: pr.Name, Exe: pr.Exe, User: pr.Owner()}
	argv := pr.Args()
	for _, k := range keep {
		args := k(pr)
		if len(args) > len(out.Cmdline) && len(args) <= len(argv) && slices.Equal(args, argv[:len(args)]) {
			out.Cmdline = slices.Clone(args)
		}
	}
	return out
}
