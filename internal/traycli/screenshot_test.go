package traycli

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/internal/artefacts"
	"github.com/sessionguard/sessionguard/internal/syncbuf"
	"github.com/sessionguard/sessionguard/internal/xvfbtest"
	"github.com/sessionguard/sessionguard/tray/dbustest"
	"github.com/sessionguard/sessionguard/tray/systrayui"
	"github.com/sessionguard/sessionguard/tray/traytest"
)

// Programs of the screenshot test (apt: xvfb, haskell-gtk-sni-tray-utils,
// xdotool, x11-apps).
const (
	sniHostPath = "/usr/bin/gtk-sni-tray-standalone"
	xdotoolPath = "/usr/bin/xdotool"
	xwdPath     = "/usr/bin/xwd"
)

// TestScreenshotRealHost shows the tray in a real StatusNotifier host
// (gtk-sni-tray-standalone, which draws the icon and renders the menu with
// libdbusmenu-gtk3) on a virtual X display, opens the menu with a real
// click and keeps a screenshot as a test artefact (tray-menu.png).
func TestScreenshotRealHost(t *testing.T) {
	for _, p := range []string{xvfbtest.Path, sniHostPath, xdotoolPath, xwdPath, dbustest.DaemonPath} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing: apt-get install xvfb haskell-gtk-sni-tray-utils xdotool x11-apps dbus-daemon", p)
			}
			t.Skipf("%s is missing (apt-get install xvfb haskell-gtk-sni-tray-utils xdotool x11-apps)", p)
		}
	}
	display := xvfbtest.Start(t, "800x600x24")
	bus := dbustest.StartBus(t)
	env := []string{"DISPLAY=" + display, "DBUS_SESSION_BUS_ADDRESS=" + bus, "NO_AT_BRIDGE=1", "GDK_BACKEND=x11"}
	// gtk-sni-tray-standalone now and then dies of its own race (it asks
	// for an object of a newly registered item before reading its
	// properties: "UnknownObject … Pattern match failure"); it is restarted,
	// and the tray registers again with the new watcher.
	restartHost := superviseProcess(t, env, 20, sniHostPath, "--watcher", "--top", "--beginning", "--size", "32")
	conn := dbustest.Connect(t, bus)
	traytest.WaitFor(t, "the tray host's watcher", func() bool {
		ok, _ := systrayui.HostPresent(t.Context(), conn)
		return ok
	})

	ag := traytest.StartAgent(t)
	// A release's version, as the About line shows it.
	startTrayIn(t, privateDir(t), []string{"SG_TRAY_TEST_VERSION=1.4.0"}, bus, "--socket", ag.Socket)
	red := systrayui.Colour(localapi.Red)
	var shot *image.RGBA
	t.Cleanup(func() {
		if t.Failed() && shot != nil {
			savePNG(t, "tray-failed.png", shot)
		}
	})
	// A host restarted after its race has been seen to keep showing the
	// icon it read at registration (grey, before the tray reached the
	// agent) and miss the tray's NewIcon signal; the tray's own icon is
	// checked over D-Bus by the acceptance test. Such a host is restarted
	// once more, and reads the icon afresh.
	restarted := time.Now().Add(8 * time.Second)
	traytest.WaitFor(t, "the red icon in the tray bar", func() bool {
		shot = screenshot(t, env)
		if countNear(shot, image.Rect(0, 0, 40, 40), color.RGBA{red.R, red.G, red.B, 255}) > 100 {
			return true
		}
		if time.Now().After(restarted) {
			restartHost()
			restarted = time.Now().Add(time.Hour)
		}
		return false
	})
	before := countNear(shot, image.Rect(0, 40, shot.Bounds().Dx(), shot.Bounds().Dy()), color.RGBA{0xff, 0xff, 0xff, 0xff})

	// A real click on the icon opens the menu the host renders from
	// com.canonical.dbusmenu. On a loaded machine the host may not have
	// read the menu yet when the icon shows, so a click that opened
	// nothing within 3 s is repeated.
	menuOpen := func() bool {
		shot = screenshot(t, env)
		// The menu is a light box under the bar, as tall as its 13 lines.
		return countNear(shot, image.Rect(0, 40, shot.Bounds().Dx(), shot.Bounds().Dy()), color.RGBA{0xff, 0xff, 0xff, 0xff}) > before+50_000
	}
	opened := false
	for try := 0; try < 5 && !opened; try++ {
		runTool(t, env, xdotoolPath, "mousemove", "16", "16", "click", "1")
		for wait := time.Now().Add(3 * time.Second); time.Now().Before(wait); time.Sleep(100 * time.Millisecond) {
			if opened = menuOpen(); opened {
				break
			}
		}
	}
	if !opened {
		t.Fatal("clicking the icon did not open the menu")
	}
	savePNG(t, "tray-menu.png", shot)
}

// savePNG keeps img as a test artefact.
func savePNG(t *testing.T, name string, img image.Image) {
	t.Helper()
	out := filepath.Join(artefacts.Dir(t), name)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", out)
}

// superviseProcess runs argv and starts it again when it exits, at most
// restarts times, until the test ends; restart kills the current one so
// that another starts.
func superviseProcess(t *testing.T, env []string, restarts int, argv ...string) (restart func()) {
	t.Helper()
	var stderr syncbuf.Buffer
	var mu sync.Mutex
	var cur *exec.Cmd
	stop := make(chan struct{})
	done := make(chan struct{})
	start := func() (*exec.Cmd, error) {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stderr = &stderr
		return cmd, cmd.Start()
	}
	first, err := start()
	if err != nil {
		t.Fatal(err)
	}
	cur = first
	go func() {
		defer close(done)
		cmd := first
		for n := 0; ; n++ {
			_ = cmd.Wait()
			// Under mu, so the clean-up never misses a process started
			// after it stopped the last one.
			mu.Lock()
			select {
			case <-stop:
				mu.Unlock()
				return
			default:
			}
			if n == restarts {
				mu.Unlock()
				return
			}
			next, err := start()
			if err != nil {
				mu.Unlock()
				return
			}
			cur, cmd = next, next
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		close(stop)
		_ = cur.Process.Kill()
		mu.Unlock()
		<-done
		if t.Failed() {
			t.Logf("%s: %s", argv[0], firstLines(stderr.String(), 20))
		}
	})
	// Killing the current process makes the loop above start another.
	return func() {
		mu.Lock()
		defer mu.Unlock()
		_ = cur.Process.Kill()
	}
}

func runTool(t *testing.T, env []string, argv ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v: %s", argv[0], err, stderr.String())
	}
	return out
}

// screenshot takes the whole virtual screen with xwd.
func screenshot(t *testing.T, env []string) *image.RGBA {
	t.Helper()
	img, err := decodeXWD(runTool(t, env, xwdPath, "-root", "-silent"))
	if err != nil {
		t.Fatalf("reading the screenshot: %v", err)
	}
	return img
}

// decodeXWD reads an X window dump in ZPixmap format with 24 or 32 bits
// per pixel (what xwd writes for Xvfb's TrueColor screen).
func decodeXWD(b []byte) (*image.RGBA, error) {
	if len(b) < 100 {
		return nil, fmt.Errorf("xwd: %d bytes", len(b))
	}
	var h [25]uint32
	for i := range h {
		h[i] = binary.BigEndian.Uint32(b[i*4:])
	}
	headerSize, format, width, height := h[0], h[2], int(h[4]), int(h[5])
	byteOrder, bpp, bpl, ncolors := h[7], int(h[11]), int(h[12]), h[19]
	if format != 2 || (bpp != 24 && bpp != 32) || width <= 0 || height <= 0 || width > 8192 || height > 8192 {
		return nil, fmt.Errorf("xwd: format %d, %d bits per pixel, %dx%d not supported", format, bpp, width, height)
	}
	off := int(headerSize) + int(ncolors)*12
	if off+height*bpl > len(b) || bpl < width*bpp/8 {
		return nil, fmt.Errorf("xwd: truncated")
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	n := bpp / 8
	for y := range height {
		row := b[off+y*bpl:]
		for x := range width {
			p := row[x*n : x*n+n]
			var v uint32
			for i := range n {
				if byteOrder == 0 { // LSBFirst
					v |= uint32(p[i]) << (8 * i)
				} else {
					v = v<<8 | uint32(p[i])
				}
			}
			img.SetRGBA(x, y, color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff})
		}
	}
	return img, nil
}

// countNear counts pixels in r within a small distance of c.
func countNear(img *image.RGBA, r image.Rectangle, c color.RGBA) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := img.RGBAAt(x, y)
			if absDiff(p.R, c.R) < 12 && absDiff(p.G, c.G) < 12 && absDiff(p.B, c.B) < 12 {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
