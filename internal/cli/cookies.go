package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/agent/daemon"
	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/browsers"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/internal/text"
)

// errNotCleared is returned by `cookies clear` when a targeted profile was
// skipped or failed. It wraps errNotReady, so it exits with code 1.
var errNotCleared = fmt.Errorf("cookies not cleared: %w", errNotReady)

// cookieOptions are the flags of `cookies list` and `cookies clear`.
type cookieOptions struct {
	json          bool
	browsers      []string
	profiles      []string
	domains       []string
	keep          []string
	dryRun        bool
	closeBrowsers bool
	policyFile    string
	// scope, when set, is the running agent's cookie scope, which takes
	// the place of the policy file's.
	scope *localapi.Status
	// socket and stateDir are where `cookies clear` finds the
	// organisation's scope when no --policy is named (orgScope).
	socket, stateDir string
}

func (e *env) cookiesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cookies",
		Short: "List and clear browser cookies after a session",
		Long: `List the cookies your browsers keep, and clear them after a video call.

` + supportedBrowsers() + `
A browser that is open keeps its cookies in memory, so its profiles are skipped
until you close it (or use --close-browsers).`,
		Example: `  sessionguard cookies list
  sessionguard cookies clear --close-browsers
  sessionguard cookies clear --domain zoom.us --dry-run`,
	}
	cmd.AddCommand(e.cookiesListCommand(), e.cookiesClearCommand())
	return cmd
}

// supportedBrowsers names the browsers of the catalogue (browsers.Known) in
// a sentence folded at 80 columns, as the rest of the help is.
func supportedBrowsers() string {
	var names []string
	for _, b := range browsers.Known() {
		names = append(names, b.Name)
	}
	var out, line strings.Builder
	for _, w := range strings.Fields("Supported: " + text.JoinAnd(names) + ".") {
		if line.Len() > 0 && line.Len()+1+len(w) > 80 {
			out.WriteString(line.String() + "\n")
			line.Reset()
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(w)
	}
	return out.String() + line.String()
}

func (e *env) cookiesListCommand() *cobra.Command {
	var o cookieOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Show each browser profile: how many cookies, for how many sites, and whether it is open",
		Example: `  sessionguard cookies list
  sessionguard cookies list --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			infos, err := browsers.List(cmd.Context(), browsers.Options{Browsers: o.browsers, Profiles: o.profiles})
			if err != nil {
				return err
			}
			if o.json {
				if infos == nil {
					infos = []browsers.ProfileInfo{}
				}
				return writeJSON(e.stdout, map[string]any{"schema": "sessionguard.cookies.list/v1", "profiles": infos})
			}
			renderCookieList(e.stdout, infos)
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the list as JSON")
	cmd.Flags().StringSliceVar(&o.browsers, "browser", nil, "only these browsers ("+strings.Join(browsers.IDs(), ", ")+")")
	cmd.Flags().StringSliceVar(&o.profiles, "profile", nil, "only profiles with this name or folder name")
	return cmd
}

func (e *env) cookiesClearCommand() *cobra.Command {
	var o cookieOptions
	cmd := &cobra.Command{
		Use:   "clear",
		Short: "Clear browser cookies so nothing of the session stays behind",
		Long: `Clear the cookies of every browser profile of this user (or those chosen with
--browser and --profile), except the sites in the keep-list. With --domain only
those sites (and their subdomains: zoom.us also clears us02web.zoom.us) are
cleared. Cleared cookies are overwritten and the database is compacted, so they
cannot be recovered from the disk.

A browser that is open is skipped, because it would keep sending its cookies;
close it first, or use --close-browsers to have SessionGuard close it.

Exit codes: 0 every profile cleared, 1 a profile was skipped or could not be
cleared, 2 usage or internal error.`,
		Example: `  sessionguard cookies clear
  sessionguard cookies clear --domain zoom.us --domain meet.google.com
  sessionguard cookies clear --keep mybank.co.uk --close-browsers
  sessionguard cookies clear --browser firefox --dry-run`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e.orgScope(cmd.Context(), &o)
			rep, err := o.clear(cmd.Context())
			if err != nil {
				return err
			}
			if rep.Results == nil {
				rep.Results = []browsers.Result{}
			}
			if o.json {
				if err := writeJSON(e.stdout, rep); err != nil {
					return err
				}
			} else {
				renderClear(e.stdout, rep, e.colour())
			}
			if !rep.OK() {
				return errNotCleared
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print the report as JSON (schema "+browsers.ReportSchema+")")
	f.StringSliceVar(&o.browsers, "browser", nil, "only these browsers ("+strings.Join(browsers.IDs(), ", ")+")")
	f.StringSliceVar(&o.profiles, "profile", nil, "only profiles with this name or folder name")
	f.StringArrayVar(&o.domains, "domain", nil, "only clear this site and its subdomains (repeatable), e.g. zoom.us")
	f.StringArrayVar(&o.keep, "keep", nil, "keep the cookies of this site and its subdomains (repeatable)")
	f.BoolVar(&o.dryRun, "dry-run", false, "only count what would be cleared; change nothing")
	f.BoolVar(&o.closeBrowsers, "close-browsers", false, "ask open browsers to quit, wait for them, then clear")
	f.StringVar(&o.policyFile, "policy", "", "take the sites to clear and keep (cookie_domains, cookie_keep) from this policy file instead of the organisation's")
	addSocketFlag(cmd, &o.socket)
	f.StringVar(&o.stateDir, "state-dir", statedir.Default(), "where the team policy this computer last received is kept (used when no agent runs)")
	return cmd
}

// orgScope points o at the organisation's cookie scope (the sites to
// clear and keep) unless --policy names a file: the running agent's, as
// session end clears by it, else the team policy this computer last
// received from its server (the built-in default when it is not
// enrolled). When that policy cannot be read, it says so and the built-in
// default (every site) applies.
func (e *env) orgScope(ctx context.Context, o *cookieOptions) {
	if o.policyFile != "" || o.scope != nil {
		return
	}
	client := localapi.NewClient(o.socket)
	st, err := client.Status(ctx)
	client.Close()
	if err == nil {
		o.scope = &st
		return
	}
	pol, err := daemon.TeamPolicy(o.stateDir, all.DefaultPolicy())
	if err != nil {
		fmt.Fprintf(e.stderr, "Note: the SessionGuard agent is not running and %v; the sites your organisation keeps are not known, so every site's cookies are cleared.\n", err)
	}
	o.scope = &localapi.Status{CookieDomains: pol.CookieDomains, CookieKeep: pol.CookieKeep}
}

// clear clears cookies in the policy's scope, narrowed by --domain and
// widened by --keep.
func (o cookieOptions) clear(ctx context.Context) (browsers.Report, error) {
	if who := sudoUser(); who != "" {
		return browsers.Report{}, fmt.Errorf("run with sudo, clearing would empty the administrator's (root's) browsers, not %s's: run it as %s, without sudo", who, who)
	}
	pol, err := policyOrDefault(o.policyFile)
	if err != nil {
		return browsers.Report{}, err
	}
	if o.scope != nil {
		pol.CookieDomains, pol.CookieKeep = o.scope.CookieDomains, o.scope.CookieKeep
	}
	domains := pol.CookieDomains
	if len(o.domains) > 0 {
		domains = o.domains
	}
	keep := append(append([]string{}, pol.CookieKeep...), o.keep...)
	return browsers.Clear(ctx, browsers.Options{
		Browsers: o.browsers, Profiles: o.profiles, Domains: domains, Keep: keep,
		DryRun: o.dryRun, CloseBrowsers: o.closeBrowsers,
	})
}

// sudoUser is the account that ran this command through sudo ("" when
// it was not, or was root's own): cookies are cleared from the browsers
// of the account the command runs as, which sudo makes root's.
func sudoUser() string {
	if who := os.Getenv("SUDO_USER"); os.Geteuid() == 0 && who != "" && who != "root" {
		return who
	}
	return ""
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

func renderCookieList(w io.Writer, infos []browsers.ProfileInfo) {
	if len(infos) == 0 {
		fmt.Fprintln(w, "No browser profiles found for this user.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BROWSER\tPROFILE\tCOOKIES\tSITES\tOPEN NOW")
	for _, in := range infos {
		open := "no"
		if in.InUse {
			open = "yes (close it before clearing)"
		}
		count, sites := fmt.Sprint(in.Cookies), fmt.Sprint(in.Sites)
		if in.Error != "" {
			count, sites = "?", "?"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", in.BrowserName, in.Profile, count, sites, open)
	}
	tw.Flush()
	for _, in := range infos {
		if in.Error != "" {
			fmt.Fprintf(w, "\n%s (%s): could not count the cookies: %s\n", in.BrowserName, in.Profile, in.Error)
			if in.Fix != "" {
				fmt.Fprintf(w, "  Fix: %s\n", in.Fix)
			}
		}
	}
}

// clearStyle is how a clear status is shown.
var clearStyle = map[browsers.Status]struct{ symbol, colour, word string }{
	browsers.StatusCleared: {"✔", "32", "cleared"},
	browsers.StatusDryRun:  {"–", "36", "dry run"},
	browsers.StatusSkipped: {"!", "33", "SKIPPED"},
	browsers.StatusError:   {"✘", "31", "ERROR"},
}

func renderClear(w io.Writer, rep browsers.Report, colour bool) {
	paint := painter(colour)
	scope := "all sites"
	if len(rep.Domains) > 0 {
		scope = strings.Join(rep.Domains, ", ") + " (and their subdomains)"
	}
	if len(rep.Keep) > 0 {
		scope += ", keeping " + strings.Join(rep.Keep, ", ")
	}
	fmt.Fprintf(w, "Cookies to clear: %s\n\n", scope)
	if len(rep.Results) == 0 {
		fmt.Fprintln(w, "No browser profiles found for this user: there are no cookies to clear.")
		return
	}
	width := 0
	label := func(r browsers.Result) string { return r.BrowserName + " – " + r.Profile }
	for _, r := range rep.Results {
		width = max(width, len([]rune(label(r))))
	}
	indent := strings.Repeat(" ", width+13)
	notCleared, removed, kept := 0, 0, 0
	for _, r := range rep.Results {
		st := clearStyle[r.Status]
		var what string
		switch r.Status {
		case browsers.StatusCleared:
			what = fmt.Sprintf("%d %s removed, %d kept", r.Removed, plural(r.Removed, "cookie", "cookies"), r.Kept)
			if r.ClosedBrowser {
				what += " (browser closed first)"
			}
		case browsers.StatusDryRun:
			what = fmt.Sprintf("would remove %d of %d %s", r.Removed, r.Before, plural(r.Before, "cookie", "cookies"))
		default:
			notCleared++
			what = r.Detail
		}
		removed += r.Removed
		kept += r.Kept
		fmt.Fprintf(w, "%s %-7s  %-*s  %s\n", paint(st.colour, st.symbol), paint(st.colour, st.word), width, label(r), what)
		if r.Fix != "" && r.Status != browsers.StatusCleared && r.Status != browsers.StatusDryRun {
			fmt.Fprintf(w, "%sFix: %s\n", indent, r.Fix)
		}
	}
	fmt.Fprintln(w)
	n := len(rep.Results)
	switch {
	case rep.DryRun && notCleared == 0:
		fmt.Fprintf(w, "%s Nothing was changed; %d %s would be removed. [%d %s, %d ms]\n", paint("36", "DRY RUN"), removed, plural(removed, "cookie", "cookies"), n, plural(n, "profile", "profiles"), rep.DurationMS)
	case notCleared == 0:
		fmt.Fprintf(w, "%s Cookies cleared in every browser profile: %d removed, %d kept. [%d %s, %d ms]\n", paint("32", "DONE"), removed, kept, n, plural(n, "profile", "profiles"), rep.DurationMS)
	default:
		fmt.Fprintf(w, "%s %d of %d browser %s still %s their cookies; see above. [%d ms]\n", paint("31", "NOT CLEARED"), notCleared, n, plural(n, "profile", "profiles"), plural(notCleared, "has", "have"), rep.DurationMS)
	}
}
