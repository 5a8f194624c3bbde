package desktop

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/godbus/dbus/v5"
)

// Desktop is the set the tray uses.
type Desktop struct {
	Notifier Notifier
	Asker    Asker
	Opener   Opener
}

// Linux is the Linux desktop: notifications on conn (nil: printed to
// fallback), dialogs by zenity, kdialog or a web form, xdg-open.
func Linux(conn *dbus.Conn, fallback io.Writer) Desktop {
	op := OpenerFor("linux")
	d := Desktop{Asker: LinuxAsker(op), Opener: op, Notifier: &Printer{W: fallback}}
	if conn != nil {
		d.Notifier = Fallback{Freedesktop{Conn: conn, Icon: "dialog-information"}, d.Notifier}
	}
	return d
}

// MacOS is osascript and open.
func MacOS() Desktop {
	return Desktop{Notifier: OSAScript{}, Asker: OSAScript{}, Opener: OpenerFor("darwin")}
}

// Windows is PowerShell and rundll32.
func Windows() Desktop {
	return Desktop{Notifier: PowerShell{}, Asker: PowerShell{}, Opener: OpenerFor("windows")}
}

// Printer "notifies" by writing a line to W: the last resort when a
// desktop has no notification service, so nothing is silently lost.
type Printer struct {
	mu sync.Mutex
	W  io.Writer
}

// Notify writes "SessionGuard: title — body".
func (p *Printer) Notify(_ context.Context, title, body string) error {
	if p.W == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := fmt.Fprintf(p.W, "SessionGuard: %s — %s\n", oneLine(clip(title, MaxTitle)), oneLine(clip(body, MaxText)))
	return err
}

// Fallback tries each notifier in turn until one succeeds.
type Fallback []Notifier

// Notify tries each notifier; the last error when none succeeded.
func (f Fallback) Notify(ctx context.Context, title, body string) error {
	var err error
	for _, n := range f {
		if err = n.Notify(ctx, title, body); err == nil {
			return nil
		}
	}
	return err
}
