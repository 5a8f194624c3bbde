package evidence

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// BundleFormat is the manifest format string of an evidence bundle.
const BundleFormat = "sessionguard.evidence/v1"

// File names inside an evidence bundle directory.
const (
	ManifestFile  = "manifest.json"
	CommandsFile  = "commands.json"
	RegistryFile  = "registry.json"
	WMIFile       = "wmi.json"
	ProcessesFile = "processes.json"
	DeniedFile    = "denied.json"
	MDNSFile      = "mdns.json"
	DirsFile      = "dirs.json"
	HeldOpenFile  = "held_open.json"
	FilesDir      = "files"

	// RegistryKeysFile records which registry keys exist: key → true/false.
	RegistryKeysFile = "registry_keys.json"
	// RegistryListsFile records the keys whose every value was listed:
	// key → the names of its values, whose values are in RegistryFile.
	RegistryListsFile = "registry_lists.json"
)

// Manifest is DIR/manifest.json.
type Manifest struct {
	Format     string    `json:"format"`
	GOOS       string    `json:"goos"`
	RecordedAt time.Time `json:"recorded_at"`
	OSVersion  string    `json:"os_version,omitempty"`
	Arch       string    `json:"arch,omitempty"`
	// OEMCodePage is the Windows console code page the commands wrote in.
	OEMCodePage int `json:"oem_codepage,omitempty"`
	// ConsoleUser is the user at the screen when recorded; absent means
	// nobody was logged in at the screen.
	ConsoleUser *probe.User `json:"console_user,omitempty"`
}

// Command is one entry of DIR/commands.json. Output that is not valid UTF-8
// is kept byte for byte in the _b64 fields instead.
type Command struct {
	Argv      []string `json:"argv"`
	Stdout    string   `json:"stdout"`
	StdoutB64 string   `json:"stdout_b64,omitempty"`
	Stderr    string   `json:"stderr"`
	StderrB64 string   `json:"stderr_b64,omitempty"`
	ExitCode  int      `json:"exit_code"`
	// As is "console_user" for a command run with RunAsConsoleUser.
	As string `json:"as,omitempty"`
	// Error is set for a WMI class that failed other than by a denial or
	// a missing class (a provider that did not load, WMI stopped, a call
	// not implemented): replay answers with this failure rather than
	// "missing", which a check may read as an answer.
	Error string `json:"error,omitempty"`
}

// AsConsoleUser is the Command.As value of RunAsConsoleUser commands.
const AsConsoleUser = "console_user"

// MDNSBrowse is one entry of DIR/mdns.json: what a browse for one service
// type found.
type MDNSBrowse struct {
	Service   string               `json:"service"`
	Instances []probe.MDNSInstance `json:"instances"`
	// Error is set when the browse could not be made; replay answers it
	// with ErrUnavailable.
	Error string `json:"error,omitempty"`
}

// pseudonymousInstance hides what an mDNS answer says about people: instance
// names ("Sam's Echo") and host names become stable pseudonyms, so a bundle
// still tells one device from another. A RAOP name's "MAC@" prefix, a
// device address rather than a person's, is kept.
func pseudonymousInstance(in probe.MDNSInstance) probe.MDNSInstance {
	out := in
	out.TXT = append([]string(nil), in.TXT...)
	prefix, rest, found := strings.Cut(in.Name, "@")
	if found && prefix != "" {
		out.Name = prefix + "@" + pseudonym("instance", rest)
	} else if in.Name != "" {
		out.Name = pseudonym("instance", in.Name)
	}
	if in.Host != "" {
		out.Host = pseudonym("host", in.Host) + ".local."
	}
	return out
}

// WMIClass is one entry of DIR/wmi.json.
type WMIClass struct {
	Namespace string           `json:"namespace"`
	Class     string           `json:"class"`
	Rows      []map[string]any `json:"rows"`
}

// Denied is one entry of DIR/denied.json: a source that exists but that the
// recording user was not allowed to read. Replay answers it with
// ErrAccessDenied. Kind is "command" (Argv), "file" or "dir" (Path),
// "registry" (Key, Value), "registry_key" or "registry_values" (Key), "wmi" (Namespace, Class),
// "processes", "held_open" or "wlan".
type Denied struct {
	Kind      string   `json:"kind"`
	Argv      []string `json:"argv,omitempty"`
	Path      string   `json:"path,omitempty"`
	Key       string   `json:"key,omitempty"`
	Value     string   `json:"value,omitempty"`
	Namespace string   `json:"namespace,omitempty"`
	Class     string   `json:"class,omitempty"`
	// As is "console_user" for a command run with RunAsConsoleUser.
	As string `json:"as,omitempty"`
	// Error is set for a WMI class that failed other than by a denial or
	// a missing class (a provider that did not load, WMI stopped, a call
	// not implemented): replay answers with this failure rather than
	// "missing", which a check may read as an answer.
	Error string `json:"error,omitempty"`
}

// matchKey is how replay looks a denied entry up.
func (d Denied) matchKey() string {
	switch d.Kind {
	case "command":
		if len(d.Argv) == 0 {
			return "command:"
		}
		return "command:" + d.As + ":" + CommandBase(d.Argv[0]) + "\x00" + strings.Join(d.Argv[1:], "\x00")
	case "file", "dir":
		return d.Kind + ":" + BundlePath(d.Path)
	case "registry":
		return "registry:" + NormalizeRegistryKey(d.Key) + "\x00" + strings.ToLower(d.Value)
	case "registry_key", "registry_values":
		return d.Kind + ":" + NormalizeRegistryKey(d.Key)
	case "wmi":
		return "wmi:" + wmiKey(d.Namespace, d.Class)
	default:
		return d.Kind
	}
}

// NewCommand builds a bundle entry from argv and an Output.
func NewCommand(argv []string, out probe.Output) Command {
	c := Command{Argv: argv, ExitCode: out.ExitCode}
	c.Stdout, c.StdoutB64 = encodeBytes(out.Stdout)
	c.Stderr, c.StderrB64 = encodeBytes(out.Stderr)
	return c
}

// Output decodes the entry's recorded output.
func (c Command) Output() (probe.Output, error) {
	stdout, err := decodeBytes(c.Stdout, c.StdoutB64)
	if err != nil {
		return probe.Output{}, fmt.Errorf("decoding stdout_b64 of %q: %w", c.Argv, err)
	}
	stderr, err := decodeBytes(c.Stderr, c.StderrB64)
	if err != nil {
		return probe.Output{}, fmt.Errorf("decoding stderr_b64 of %q: %w", c.Argv, err)
	}
	return probe.Output{Stdout: stdout, Stderr: stderr, ExitCode: c.ExitCode}, nil
}

func encodeBytes(b []byte) (text, b64 string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	return "", base64.StdEncoding.EncodeToString(b)
}

func decodeBytes(text, b64 string) ([]byte, error) {
	if b64 != "" {
		return base64.StdEncoding.DecodeString(b64)
	}
	return []byte(text), nil
}

// CommandBase is how replay names a command: the base name of argv[0] with
// either slash, without a ".exe" suffix, lower-cased. So "/usr/sbin/nft"
// matches "nft" and `C:\Windows\System32\manage-bde.exe` matches "manage-bde".
func CommandBase(argv0 string) string {
	if i := strings.LastIndexAny(argv0, `/\`); i >= 0 {
		argv0 = argv0[i+1:]
	}
	argv0 = strings.ToLower(argv0)
	return strings.TrimSuffix(argv0, ".exe")
}

// BundlePath maps an absolute path on the recorded machine to its place
// under DIR/files: "/etc/fstab" → "files/etc/fstab",
// `C:\ProgramData\x.txt` → "files/C/ProgramData/x.txt" (no colon, so a bundle
// unpacks on Windows too).
func BundlePath(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	if len(p) >= 2 && p[1] == ':' {
		p = p[:1] + "/" + p[2:]
	}
	return path.Join(FilesDir, path.Clean("/"+p))
}

// NormalizeRegistryKey returns the canonical, case-folded form of a registry
// key for matching: short hive, backslashes, no trailing separator.
func NormalizeRegistryKey(key string) string {
	key = strings.Trim(strings.ReplaceAll(key, "/", `\`), `\`)
	hive, rest, _ := strings.Cut(key, `\`)
	hive = probe.ShortHive(hive)
	if rest == "" {
		return strings.ToLower(hive)
	}
	return strings.ToLower(hive + `\` + rest)
}

// NormalizeWMINamespace returns the matching form of a WMI namespace:
// lower-cased, forward slashes.
func NormalizeWMINamespace(ns string) string {
	return strings.ToLower(strings.Trim(strings.ReplaceAll(ns, `\`, "/"), "/"))
}

// registryValue converts a decoded JSON registry value to the types the
// Probe contract promises: string, uint64 or []string.
func registryValue(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		n, err := strconv.ParseUint(strings.TrimSpace(string(x)), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("registry number %q: %w", x, err)
		}
		return n, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("registry multi-string holds %T", e)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("registry value of JSON type %T", v)
	}
}

// wmiValue converts decoded JSON to the WMI value types of the contract.
func wmiValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = wmiValue(e)
		}
		return out
	default:
		return v
	}
}
