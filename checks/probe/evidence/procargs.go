package probe

import "slices"

// ArgsKeeper is how a check says which arguments of a running process it
// reads, so an evidence bundle keeps those and no others (a command line
// can hold a password, a meeting link, a document named after a client).
// It returns the part of pr.Cmdline the check needs — all of it, or the
// first n entries — or nil when it reads none of this process's arguments.
// Whatever it returns must make the check come to the same verdict on
// replay as the full command line did.
type ArgsKeeper func(pr Process) []string

// KeepProcessArgs adds the checks' ArgsKeepers. A recorded process keeps
// its id, name, executable and user; its command line only as far as the
// longest answer of these keepers (a prefix of it), nothing when none
// asks for it.
func (r *Recorder) KeepProcessArgs(keep ...ArgsKeeper) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keepArgs = append(r.keepArgs, keep...)
}

// minimalProcess is pr as a bundle keeps it (see KeepProcessArgs).
func minimalProcess(pr Process, keep []ArgsKeeper) Process {
	out := Process{PID: pr.PID, Name: pr.Name, Exe: pr.Exe, User: pr.User}
	for _, k := range keep {
		args := k(pr)
		if len(args) > len(out.Cmdline) && len(args) <= len(pr.Cmdline) && slices.Equal(args, pr.Cmdline[:len(args)]) {
			out.Cmdline = slices.Clone(args)
		}
	}
	return out
}
