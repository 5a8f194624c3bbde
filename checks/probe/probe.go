// Package probe is the contract between the checks and the operating
// system. Checks never run commands, read files or query the registry
// themselves: they ask a Probe. This package holds only that contract (the
// Probe interface, its types, sentinel errors, the allow-list of command
// names and small pure helpers such as ErrorKind and the value readers), so
// that the wire package and the server, which need its types, link none of
// the OS code. The probes live in two packages below it:
//
//   - checks/probe/live (live.New), build-tagged per OS, which runs
//     allow-listed absolute command paths without a shell and with a
//     timeout, lists processes and browses mDNS;
//   - checks/probe/evidence: the Recorder, which wraps another probe and
//     writes what it saw as an evidence bundle (sessionguard.evidence/v1),
//     and the Replay probe, which answers from such a bundle, so the macOS
//     and Windows logic of every check runs in Linux tests.
//
// A command, file, registry value or WMI class that is not there returns an
// error wrapping ErrNotFound; callers then try their next source or report
// unknown.
package probe

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors shared by every probe.
var (
	// ErrNotFound: the command is not installed, or the file, registry
	// key/value or WMI namespace/class is not present.
	ErrNotFound = errors.New("not found")
	// ErrNotAllowed: the command is not on the allow-list of the live probe.
	ErrNotAllowed = errors.New("command not on the allow-list")
	// ErrAccessDenied: the state exists but this user may not read it.
	ErrAccessDenied = errors.New("access denied")
	// ErrUnavailable: the source could not be read at all (for example a
	// bundle recorded without a process list).
	ErrUnavailable = errors.New("not available")
)

// Output is what a command wrote and how it exited. Stdout and Stderr are the
// bytes as the program wrote them (not decoded).
type Output struct {
	Stdout   []byte
	Stderr   []byte
	ExitCode int
}

// Process is one running process.
type Process struct {
	PID  int32  `json:"pid"`
	Name string `json:"name"`
	Exe  string `json:"exe"`
	// Cmdline is the process's arguments, argv[0] first: read them with
	// Args.
	Cmdline []string `json:"cmdline,omitempty"`
	// User is the account the process runs as. Read it with Owner: a live
	// listing may leave it empty and read it only when asked.
	User string `json:"user"`

	// readOwner, when set, reads the owner on first use (see WithOwnerReader).
	readOwner func() string
}

// Owner is the account the process runs as (its real user; "" for an
// account without a name, or a process that has gone since it was listed).
// The live Linux listing reads it on first use — a file per process — so a
// check asks it of the processes it matched by name or program, not of all.
func (p Process) Owner() string {
	if p.readOwner != nil {
		return p.readOwner()
	}
	return p.User
}

// WithOwnerReader returns p with its owner read by read when Owner is first
// asked. Read must be safe to call from several goroutines and give the
// same answer each time.
func (p Process) WithOwnerReader(read func() string) Process {
	p.readOwner = read
	return p
}

// Args is the process's arguments, argv[0] first (nil for a kernel
// thread or a zombie). Checks ask Args rather than read Cmdline, so a
// listing may read the arguments (a file a process on Linux) only of the
// processes a check asks about, as it reads owners. It may be shared: do
// not change it.
func (p Process) Args() []string {
	return p.Cmdline
}

// Resolved returns p with User read (see Owner) and nothing left to read
// later: what an evidence bundle records.
func (p Process) Resolved() Process {
	p.User, p.readOwner = p.Owner(), nil
	return p
}

// Probe answers a check's questions about the machine.
//
// Run executes an allow-listed command (for example CmdNft or
// CmdManageBDE); a non-zero exit status is not an error, it is in
// Output.ExitCode. Registry keys use the short hives (HKLM, HKCU, HKU) and
// values come back as string, uint64 or []string. WMI rows hold string,
// int64, float64, bool, nil or []any values; for the classes WMIColumns
// lists (accounts, groups) only those properties.
type Probe interface {
	GOOS() string
	// Now is the probe's clock: the wall clock live, the recording time in
	// replay, so ages read as they were when a bundle was recorded.
	Now() time.Time
	Run(ctx context.Context, name Command, args ...string) (Output, error)
	ReadFile(path string) ([]byte, error)
	// ReadFileHead reads at most the first n bytes of a file, for headers of
	// files too large for ReadFile (a 60 MB virus database).
	ReadFileHead(path string, n int) ([]byte, error)
	// ReadDir lists the names in a directory, sorted. In replay it lists what
	// the bundle holds under files/.
	ReadDir(path string) ([]string, error)
	Registry(key, value string) (any, error)
	WMI(namespace, class string) ([]map[string]any, error)
	Processes() ([]Process, error)

	// ConsoleUser is the person at the screen, whose per-user settings
	// (screen lock, Siri, HKCU) a check must judge even when the agent runs
	// as root or SYSTEM. ErrNotFound when nobody is logged in at the screen.
	ConsoleUser() (User, error)
	// RunAsConsoleUser runs an allow-listed command in the console user's
	// context: as that user, with their HOME and session bus (Linux), in
	// their launchd session (macOS). When this process already is that
	// user, it runs directly. Not supported on Windows (read HKU\<SID>).
	RunAsConsoleUser(ctx context.Context, name Command, args ...string) (Output, error)
	// MDNS browses the local network for instances of a DNS-SD service type
	// (e.g. "_googlecast._tcp") for a bounded time. An empty list means
	// nothing answered where answers could be heard; when they might not
	// have been (a host firewall could drop them), the error wraps
	// ErrUnavailable.
	MDNS(ctx context.Context, service string) ([]MDNSInstance, error)
}

// User is a local account, as ConsoleUser reports it. Name and Home stay on
// this machine: never put them in facts.
type User struct {
	// UID is the numeric user id on Unix, the SID on Windows.
	UID  string `json:"uid"`
	Name string `json:"name,omitempty"`
	Home string `json:"home,omitempty"`
}

// MDNSInstance is one answer to an mDNS browse.
type MDNSInstance struct {
	Name string   `json:"name"`
	Host string   `json:"host,omitempty"`
	Port int      `json:"port,omitempty"`
	TXT  []string `json:"txt,omitempty"`
}

// Host describes the machine a probe looks at.
type Host struct {
	OS        string `json:"os"`
	OSVersion string `json:"os_version"`
	Arch      string `json:"arch"`
}

// HostInformer is implemented by probes that know the host's OS version and
// architecture.
type HostInformer interface {
	Host() Host
}

// HostOf returns the host information of p, or just its GOOS.
func HostOf(p Probe) Host {
	if h, ok := p.(HostInformer); ok {
		return h.Host()
	}
	return Host{OS: p.GOOS()}
}

// Scrubber rewrites a command's output or a file's content before a
// Recorder keeps it, putting pseudonyms (see evidence.Pseudonym) in place of personal
// data such as network names and hardware addresses, or blanking it. name is
// the logical command name ("nmcli") with the command's args, or a file's
// path as the check asked for it (args nil). It must
// keep everything the check's parser reads, so the bundle replays to the
// same result, return out unchanged for commands it does not know, and never
// modify out in place (the check is reading it).
type Scrubber func(name string, args []string, out []byte) []byte

// ArgsKeeper is how a check says which arguments of a running process it
// reads, so an evidence bundle keeps those and no others (a command line
// can hold a password, a meeting link, a document named after a client).
// It returns the part of pr.Cmdline the check needs — all of it, or the
// first n entries — or nil when it reads none of this process's arguments.
// Whatever it returns must make the check come to the same verdict on
// replay as the full command line did.
type ArgsKeeper func(pr Process) []string

// MDNSBrowseTimeout bounds one mDNS browse of the live probe. Callers that
// browse several service types run them concurrently, so a whole check
// stays near this. A query from an ephemeral port is answered at once by
// unicast (RFC 6762 §6.7), one from port 5353 by multicast after the
// 20–120 ms delay of shared answers (§6): 250 ms leaves room for both and
// a slow Wi-Fi hop and keeps the whole live check run within its 300 ms
// budget.
const MDNSBrowseTimeout = 250 * time.Millisecond
