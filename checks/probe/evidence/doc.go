// Package evidence records and replays what a probe saw, as evidence
// bundles (sessionguard.evidence/v1, a public format described in the
// README): the Recorder wraps any probe.Probe and writes a bundle, with
// the checks' scrubbers and keyed pseudonyms in place of network names,
// addresses, account names and home folders (a home path anywhere in a
// kept string or text file, not only at its start: see homePaths);
// Replay answers from a bundle, so the macOS and Windows logic of every
// check runs in Linux tests. It does no OS access of its own beyond
// writing and reading bundle files, so the server (which re-evaluates
// stored facts) may link it.
package evidence
