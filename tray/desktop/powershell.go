package desktop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// PowerShell notifies and asks through Windows PowerShell. The scripts are
// constants; the text arrives in the environment variables SG_TITLE and
// SG_TEXT, so nothing typed or received is ever parsed as code.
type PowerShell struct {
	// Path is powershell.exe; empty is the one under the system directory.
	Path string
	r    runner
}

const (
	psToast = `$ErrorActionPreference = 'Stop'
[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] | Out-Null
[Windows.Data.Xml.Dom.XmlDocument, Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime] | Out-Null
$xml = New-Object Windows.Data.Xml.Dom.XmlDocument
$xml.LoadXml('<toast><visual><binding template="ToastGeneric"><text></text><text></text></binding></visual></toast>')
$t = $xml.GetElementsByTagName('text')
$t.Item(0).AppendChild($xml.CreateTextNode($env:SG_TITLE)) | Out-Null
$t.Item(1).AppendChild($xml.CreateTextNode($env:SG_TEXT)) | Out-Null
$app = '{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\WindowsPowerShell\v1.0\powershell.exe'
[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier($app).Show([Windows.UI.Notifications.ToastNotification]::new($xml))`
	psAsk = `$ErrorActionPreference = 'Stop'
Add-Type -AssemblyName Microsoft.VisualBasic
$a = [Microsoft.VisualBasic.Interaction]::InputBox($env:SG_TEXT, $env:SG_TITLE, '')
if ($a -eq '') { exit 1 }
[Console]::OutputEncoding = [Text.Encoding]::UTF8
[Console]::Out.Write($a)`
	psShow = `$ErrorActionPreference = 'Stop'
Add-Type -AssemblyName PresentationFramework
[System.Windows.MessageBox]::Show($env:SG_TEXT, $env:SG_TITLE) | Out-Null`
)

func (p PowerShell) path() string {
	if p.Path != "" {
		return p.Path
	}
	root := os.Getenv("SystemRoot")
	if root == "" || !filepath.IsAbs(root) {
		root = `C:\Windows`
	}
	return filepath.Join(root, "System32", "WindowsPowerShell", "v1.0", "powershell.exe")
}

func (p PowerShell) run(ctx context.Context, r runner, script, title, text string) (string, error) {
	env := []string{"SG_TITLE=" + oneLine(clip(title, MaxTitle)), "SG_TEXT=" + clip(text, MaxText)}
	return r.output(ctx, env, p.path(), "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", script)
}

// Notify shows a toast.
func (p PowerShell) Notify(ctx context.Context, title, body string) error {
	if _, err := p.run(ctx, runner{timeout: 2 * NotifyTimeout}, psToast, title, body); err != nil {
		return fmt.Errorf("showing a notification with PowerShell: %w", err)
	}
	return nil
}

// Ask shows an input box; an empty answer counts as cancelled.
func (p PowerShell) Ask(ctx context.Context, title, prompt string) (string, bool, error) {
	out, err := p.run(ctx, p.r, psAsk, title, prompt)
	if err != nil {
		if exitCode(err) == 1 {
			return "", false, nil
		}
		return "", false, fmt.Errorf("asking with PowerShell: %w", err)
	}
	return answer(out), true, nil
}

// Show shows a message box.
func (p PowerShell) Show(ctx context.Context, title, text string) error {
	if _, err := p.run(ctx, p.r, psShow, title, text); err != nil {
		return fmt.Errorf("showing a message with PowerShell: %w", err)
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
