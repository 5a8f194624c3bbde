// Package live is the live probe: the only code in SessionGuard that runs
// commands, reads files, the registry and WMI, lists processes and browses
// mDNS on the machine itself (New). It implements the probe.Probe contract,
// build-tagged per OS: allow-listed absolute command paths (probe.Command)
// without a shell, a fixed minimal environment, a timeout that kills the
// process group, capped output, and file reads that refuse links and FIFOs
// a user planted. Only the agent and the CLI link it; the server, the tray
// and the wire package must not (cmd/sessionguard-server's deps test).
package live
