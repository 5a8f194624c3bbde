// Package traycli is the sessionguard-tray command line: its flags, and
// the wiring of the tray (tray/trayapp) to the agent's socket, the
// desktop's session bus, the tray host and the one-tray-per-user lock.
// Main returns the process exit code instead of exiting, so the whole
// command is testable; cmd/sessionguard-tray only calls it.
package traycli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/tray"
	"github.com/sessionguard/sessionguard/tray/desktop"
	"github.com/sessionguard/sessionguard/tray/single"
	"github.com/sessionguard/sessionguard/tray/systrayui"
	"github.com/sessionguard/sessionguard/tray/trayapp"
)

// Exit codes.
const (
	exitOK    = 0 // Quit clicked, or stopped by a signal
	exitError = 1 // could not start (a policy file that cannot be read)
	exitUsage = 2 // bad flags
)

const usage = `sessionguard-tray shows whether this computer is ready for a confidential
session: a green, amber, red or grey light in the notification area, with a
menu that lists every check, opens the fix of one that is not OK, checks
again, and starts and ends sessions. Ending a session clears your browsers'
cookies (as 'sessionguard session end' does) and records how many.

It talks to the SessionGuard agent (sudo sessionguard agent install) and is
started for you when you log in. When the agent stops, the light turns grey
and comes back by itself when the agent is running again.

On a Linux desktop without a tray (no StatusNotifier host, e.g. GNOME
without the AppIndicator extension) it says so, keeps running and shows
desktop notifications instead; use 'sessionguard status' to see the checks
and 'sessionguard session start|end' for sessions.

Usage:
  sessionguard-tray [flags]

Flags:
`

const noTrayHint = `sessionguard-tray: this desktop shows no tray icons (no StatusNotifier host on the session bus).
SessionGuard keeps running and will show notifications when a check needs attention.
To see the checks run:    sessionguard status
To start or end a session: sessionguard session start --label REF / sessionguard session end
`

const noTrayBuildHint = `sessionguard-tray: this build has no tray icon (macOS needs a build with CGO_ENABLED=1).
SessionGuard keeps running and will show notifications. To see the checks run: sessionguard status
`

const noBusHint = `sessionguard-tray: no desktop session bus (DBUS_SESSION_BUS_ADDRESS), so no tray icon and no notifications.
Messages are printed here instead. To see the checks run: sessionguard status
`

// Version is set at build time:
// -ldflags '-X github.com/sessionguard/sessionguard/internal/traycli.Version=1.2.3'.
var Version = "dev"

type options struct {
	showVersion bool
	socket      string
	dashboard   string
	policyFile  string
	remindAfter time.Duration
	noTray      bool
	hostWait    time.Duration
	verbose     bool
}

// Main runs sessionguard-tray with args (without the program name) and
// returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return run(args, stdout, stderr)
}

func parse(args []string, stdout, stderr io.Writer) (options, int, bool) {
	var o options
	fs := flag.NewFlagSet("sessionguard-tray", flag.ContinueOnError)
	// Asked-for help goes to stdout; after a mistake, one line to stderr.
	var help bytes.Buffer
	fs.SetOutput(&help)
	fs.StringVar(&o.socket, "socket", "", "the agent's socket (named pipe on Windows); default: the system agent's, then your own")
	fs.StringVar(&o.dashboard, "dashboard-url", "", "add \"Open dashboard\" to the menu, opening this https:// address (for admins)")
	fs.StringVar(&o.policyFile, "policy", "", "take the sites whose cookies to clear and keep (cookie_domains, cookie_keep) from this policy file instead of the agent's policy")
	fs.DurationVar(&o.remindAfter, "remind-after", 0, "remind to end a session open this long (0s: never); default: the policy's session_reminder_minutes (90 minutes unless the organisation changed it)")
	fs.BoolVar(&o.noTray, "no-tray", false, "show no tray icon: notifications only")
	fs.DurationVar(&o.hostWait, "host-wait", 10*time.Second, "Linux: how long to wait at login for the desktop's tray to appear before falling back to notifications")
	fs.BoolVar(&o.verbose, "verbose", false, "log more to standard error")
	fs.BoolVar(&o.showVersion, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		printFlags(fs.Output(), fs)
		fmt.Fprint(fs.Output(), `
Only one tray runs for each person: starting it again (for example from the
applications menu) makes the running one show a notification, and the new
one exits.

Exit codes: 0 quit from the menu, stopped, or already running; 1 could not
start; 2 bad flags.

Examples:
  sessionguard-tray
  sessionguard-tray --dashboard-url https://sessionguard.example.org/
  sessionguard-tray --socket /run/sessionguard/agent.sock --no-tray
`)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, _ = help.WriteTo(stdout)
			return o, exitOK, false
		}
		fmt.Fprintf(stderr, "sessionguard-tray: %s (see --help)\n", singleDash.ReplaceAllString(err.Error(), "$1--$2"))
		return o, exitUsage, false
	}
	if o.showVersion {
		fmt.Fprintln(stdout, "sessionguard-tray", Version)
		return o, exitOK, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sessionguard-tray: unexpected argument %q (see --help)\n", fs.Arg(0))
		return o, exitUsage, false
	}
	if o.dashboard != "" {
		if err := desktop.CheckAddress(o.dashboard); err != nil {
			fmt.Fprintf(stderr, "sessionguard-tray: --dashboard-url: %v\n", err)
			return o, exitUsage, false
		}
	}
	if o.remindAfter < 0 {
		fmt.Fprintln(stderr, "sessionguard-tray: --remind-after must not be negative (0s turns the reminder off)")
		return o, exitUsage, false
	}
	// Given on the command line, --remind-after wins over the policy; 0s
	// there means never.
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "remind-after" && o.remindAfter == 0 {
			o.remindAfter = -1
		}
	})
	return o, exitOK, true
}

// singleDash finds a flag the flag package names with one dash.
var singleDash = regexp.MustCompile(`(^|[ :])-([a-z][a-z-]+)`)

// printFlags lists the flags as every SessionGuard program writes them:
// --name, never the flag package's -name.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, text := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(text, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0s" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

func run(args []string, stdout, stderr io.Writer) int {
	o, code, ok := parse(args, stdout, stderr)
	if !ok {
		return code
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	// One tray per user: a second start (the applications menu, a second
	// log-in script) asks the running tray to show itself and exits.
	inst, err := acquireSingle(stderr, logger)
	if err != nil {
		return exitOK
	}
	if inst != nil {
		defer inst.Close()
	}

	pol := all.DefaultPolicy()
	if o.policyFile != "" {
		p, err := all.LoadPolicy(o.policyFile)
		if err != nil {
			fmt.Fprintf(stderr, "sessionguard-tray: %v\n", err)
			return exitError
		}
		pol = p
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The session bus (Linux and other freedesktop systems): notifications
	// and the tray host.
	var conn *dbus.Conn
	if usesDBus() {
		c, err := sessionBus()
		if err != nil {
			logger.Debug("no_session_bus", "err", err)
			fmt.Fprint(stderr, noBusHint)
		} else {
			conn = c
			defer conn.Close()
		}
	}

	client := localapi.NewClient(o.socket)
	defer client.Close()
	remind := o.remindAfter // 0: the agent's policy; negative: never
	ui := &lateUI{}
	// The cookie scope is the agent's policy (maybe the server's) unless
	// --policy names a file.
	clearer := trayapp.AgentScopeClearer(client.Status, pol)
	if o.policyFile != "" {
		clearer = trayapp.PolicyClearer(pol)
	}
	if !o.noTray && !systrayui.Available {
		fmt.Fprint(stderr, noTrayBuildHint)
		o.noTray = true
	}
	app, err := trayapp.New(trayapp.Config{
		Tray:    tray.Config{RemindAfter: remind, DashboardURL: o.dashboard, Version: Version, NoIcon: o.noTray},
		Agent:   client,
		UI:      ui,
		Desktop: desktopFor(conn, stdout),
		Clear:   clearer,
		Logger:  logger,
	})
	if err != nil {
		fmt.Fprintf(stderr, "sessionguard-tray: %v\n", err)
		return exitError
	}

	appDone := make(chan error, 1)
	go func() { appDone <- app.Run(ctx) }()
	if inst != nil {
		go func() {
			for {
				select {
				case <-inst.Show():
					app.Send(tray.ShowRequested{})
				case <-ctx.Done():
					return
				}
			}
		}()
	}

	if !o.noTray && !hostPresent(ctx, conn, o.hostWait, logger) {
		if conn != nil { // without a bus, noBusHint said it
			fmt.Fprint(stderr, noTrayHint)
		}
		// Keep looking: a panel started after us brings the icon.
		select {
		case <-appDone:
			return exitOK
		case <-waitHost(ctx, conn, logger):
		}
		if ctx.Err() != nil {
			<-appDone
			return exitOK
		}
		fmt.Fprintln(stderr, "sessionguard-tray: a tray appeared; showing the icon.")
	} else if o.noTray {
		<-appDone
		return exitOK
	}

	sys := systrayui.New(app.Send, logger)
	var once sync.Once
	sys.Run(func() {
		ui.set(sys, app.Menu())
		go func() {
			<-appDone
			once.Do(sys.Quit)
		}()
	})
	return exitOK
}

// acquireSingle takes this user's tray lock. When another tray holds it,
// it asks that tray to show itself, says so and returns an error (the
// caller exits). A lock that cannot be taken for another reason (no
// private directory) is no reason not to run: nil, nil.
func acquireSingle(stderr io.Writer, logger *slog.Logger) (*single.Instance, error) {
	dir, err := single.Dir()
	if err != nil {
		logger.Debug("no_single_instance_lock", "err", err)
		return nil, nil
	}
	inst, asked, err := single.Acquire(dir)
	switch {
	case errors.Is(err, single.ErrRunning):
		fmt.Fprint(stderr, single.Message(asked))
		return nil, err
	case err != nil:
		logger.Debug("no_single_instance_lock", "err", err)
		return nil, nil
	}
	return inst, nil
}

// sessionBus connects to the desktop's session bus: $DBUS_SESSION_BUS_ADDRESS
// or $XDG_RUNTIME_DIR/bus, never starting one (no dbus-launch).
func sessionBus() (*dbus.Conn, error) {
	c, err := dbus.SessionBusPrivateNoAutoStartup()
	if err != nil {
		return nil, err
	}
	if err := c.Auth(nil); err != nil {
		_ = c.Close()
		return nil, err
	}
	if err := c.Hello(); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// usesDBus reports whether this OS's desktop talks D-Bus (tray and
// notifications).
func usesDBus() bool {
	return runtime.GOOS != "darwin" && runtime.GOOS != "windows"
}

func desktopFor(conn *dbus.Conn, out io.Writer) desktop.Desktop {
	switch runtime.GOOS {
	case "darwin":
		return desktop.MacOS()
	case "windows":
		return desktop.Windows()
	}
	return desktop.Linux(conn, out)
}

// hostPresent says whether a tray icon would be seen, waiting up to wait
// for a tray host to appear (autostart may run before the panel).
func hostPresent(ctx context.Context, conn *dbus.Conn, wait time.Duration, logger *slog.Logger) bool {
	if !usesDBus() {
		return true
	}
	if conn == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	ok, err := systrayui.WaitForHost(ctx, conn, 500*time.Millisecond)
	if err != nil {
		logger.Warn("tray_host_check_failed", "err", err)
	}
	return ok
}

// hostPoll is how often a tray running without a tray host looks for one.
const hostPoll = 2 * time.Second

// waitHost is closed when a tray host appears or ctx ends (never without
// a bus: then only ctx ends it).
func waitHost(ctx context.Context, conn *dbus.Conn, logger *slog.Logger) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if conn == nil {
			<-ctx.Done()
			return
		}
		if _, err := systrayui.WaitForHost(ctx, conn, hostPoll); err != nil {
			logger.Warn("tray_host_check_failed", "err", err)
			<-ctx.Done()
		}
	}()
	return done
}

// lateUI renders to the systray adapter once it exists.
type lateUI struct {
	mu sync.Mutex
	ui trayapp.UI
}

func (l *lateUI) set(ui trayapp.UI, current tray.MenuView) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ui = ui
	ui.Render(current)
}

func (l *lateUI) Render(v tray.MenuView) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ui != nil {
		l.ui.Render(v)
	}
}
