package desktop

import (
	"context"
	"fmt"
	"strings"
)

// Usual install paths of the dialog programs (Debian, Fedora, Arch, SUSE).
var (
	zenityPaths  = []string{"/usr/bin/zenity", "/usr/local/bin/zenity"}
	kdialogPaths = []string{"/usr/bin/kdialog", "/usr/local/bin/kdialog"}
)

// Zenity asks with GNOME's zenity.
type Zenity struct {
	Path string
	r    runner
}

// Ask is zenity --entry; exit 1 is Cancel or the window closed.
func (z Zenity) Ask(ctx context.Context, title, prompt string) (string, bool, error) {
	out, err := z.r.output(ctx, nil, z.Path, "--entry", "--title="+oneLine(clip(title, MaxTitle)),
		"--text="+pangoEscape(clip(prompt, MaxText)), "--width=420")
	if err != nil {
		if exitCode(err) == 1 {
			return "", false, nil
		}
		return "", false, fmt.Errorf("asking with zenity: %w", err)
	}
	return answer(out), true, nil
}

// Show is zenity --info.
func (z Zenity) Show(ctx context.Context, title, text string) error {
	_, err := z.r.output(ctx, nil, z.Path, "--info", "--title="+oneLine(clip(title, MaxTitle)),
		"--text="+pangoEscape(clip(text, MaxText)), "--width=420")
	if err != nil && exitCode(err) != 1 {
		return fmt.Errorf("showing a message with zenity: %w", err)
	}
	return nil
}

// KDialog asks with KDE's kdialog.
type KDialog struct {
	Path string
	r    runner
}

// Ask is kdialog --inputbox; exit 1 is Cancel.
func (k KDialog) Ask(ctx context.Context, title, prompt string) (string, bool, error) {
	out, err := k.r.output(ctx, nil, k.Path, "--title", oneLine(clip(title, MaxTitle)), "--inputbox", clip(prompt, MaxText), "")
	if err != nil {
		if exitCode(err) == 1 {
			return "", false, nil
		}
		return "", false, fmt.Errorf("asking with kdialog: %w", err)
	}
	return answer(out), true, nil
}

// Show is kdialog --msgbox.
func (k KDialog) Show(ctx context.Context, title, text string) error {
	_, err := k.r.output(ctx, nil, k.Path, "--title", oneLine(clip(title, MaxTitle)), "--msgbox", clip(text, MaxText))
	if err != nil && exitCode(err) != 1 {
		return fmt.Errorf("showing a message with kdialog: %w", err)
	}
	return nil
}

// pangoEscape escapes text for zenity's Pango markup.
func pangoEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// LinuxAsker is the best way to ask on this Linux desktop: zenity, then
// kdialog, then a form in the browser (opened with opener).
func LinuxAsker(opener Opener) Asker {
	if p := firstExisting(zenityPaths...); p != "" {
		return Zenity{Path: p}
	}
	if p := firstExisting(kdialogPaths...); p != "" {
		return KDialog{Path: p}
	}
	return &WebForm{Opener: opener}
}
