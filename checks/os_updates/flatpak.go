package osupdates

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// flatpak is what Flatpak's own files say about the apps and runtimes it
// installed: how many wait for an update, and since when at least. Nil
// when no Flatpak installation holds anything. Flatpak marks no update as
// a security one, so every update counts (as with pacman).
type flatpak struct {
	// Installed is how many apps and runtimes are installed.
	Installed int `json:"installed"`
	// Read is whether what waits could be told for every one of them.
	Read bool `json:"read"`
	// Pending is how many have a newer commit offered or downloaded.
	Pending int `json:"pending"`
	// Since: the remote's list that offers the updates was made no later
	// than this, so they have waited at least since then. Nil when the
	// only sign of an update is that it was downloaded.
	Since *time.Time `json:"since,omitempty"`
	// Checked is when the oldest of the remotes' lists in use was made.
	Checked *time.Time `json:"checked,omitempty"`
	Reason  string     `json:"reason,omitempty"`
	// UserUnread says why the console user's own installation could not
	// be looked for: who is at the screen could not be told (other than
	// nobody being signed in) while Flatpak is installed. Its updates
	// could warn or fail, so it is unknown unless the rest fails.
	UserUnread string `json:"user_unread,omitempty"`
}

// Flatpak keeps no record of an update's age and `flatpak remote-ls
// --updates --cached` may still fetch (--cached only prefers the cache;
// every architecture the remote lists is fetched) and write its caches,
// so nothing is run: SessionGuard reads the installation's ostree
// repository and the remotes' lists flatpak saved the last time it (or
// GNOME Software, KDE Discover, a `flatpak update`) looked:
//
//   - deployed commit: repo/refs/heads/deploy/<kind>/<id>/<arch>/<branch>
//     and its origin remote from the deployment's deploy file;
//   - downloaded, not yet deployed: repo/refs/remotes/<origin>/<ref>;
//   - offered: the saved summary index <remote>.idx and its architecture's
//     summary <remote>-<arch>-<sha256>.sub (GVariant) in the installation's
//     repo/tmp/cache/summaries, or, for the system installation looked at
//     by a user (GNOME Software runs as the user), in that user's
//     ~/.cache/flatpak/system-cache/summaries. The index's
//     ostree.summary.last-modified dates the list.
const (
	flatpakSystem     = "/var/lib/flatpak"
	flatpakUser       = ".local/share/flatpak"
	flatpakUserCache  = ".cache/flatpak/system-cache"
	flatpakSummaries  = "summaries"
	flatpakRepoCache  = "repo/tmp/cache"
	flatpakDeployRefs = "repo/refs/heads/deploy"
	flatpakBin        = "/usr/bin/flatpak"
)

// flatpakInstallation is a Flatpak installation and where its remotes'
// lists may be saved.
type flatpakInstallation struct {
	dir    string
	caches []string
}

// flatpakRef is one installed app or runtime.
type flatpakRef struct {
	ref, origin, deployed string
}

// flatpakListing is a remote's saved list: ref → offered commit.
type flatpakListing struct {
	made    time.Time
	commits map[string]string
}

// collectFlatpak reads the system installation and the console user's.
func collectFlatpak(p probe.Probe, f *facts) {
	insts := []flatpakInstallation{{dir: flatpakSystem, caches: []string{path.Join(flatpakSystem, flatpakRepoCache)}}}
	var fp flatpak
	switch u, err := p.ConsoleUser(); {
	case err == nil && u.Home != "":
		insts[0].caches = append(insts[0].caches, path.Join(u.Home, flatpakUserCache))
		userDir := path.Join(u.Home, flatpakUser)
		insts = append(insts, flatpakInstallation{dir: userDir, caches: []string{path.Join(userDir, flatpakRepoCache)}})
	case err != nil && !errors.Is(err, probe.ErrNotFound):
		fp.UserUnread = flatpakUserUnread(p, err)
	}
	var oldest time.Time
	for _, inst := range insts {
		refs, err := flatpakInstalled(p, inst.dir)
		fp.Installed += len(refs)
		if err != nil {
			// Something is there that could not be read: affected.
			f.addError("flatpak", err)
			fp.Reason = fmt.Sprintf("Flatpak's installed apps could not be read (%s)", probe.ErrorKind(err))
			break
		}
		listings := map[string]flatpakListing{}
		for _, r := range refs {
			key := r.origin + "\x00" + refArch(r.ref)
			l, ok := listings[key]
			if !ok {
				if l, err = flatpakListingOf(p, inst, r.origin, refArch(r.ref)); err != nil {
					break
				}
				listings[key] = l
				if oldest.IsZero() || l.made.Before(oldest) {
					oldest = l.made
				}
			}
			var pulled []byte
			pulled, err = p.ReadFileHead(path.Join(inst.dir, "repo/refs/remotes", r.origin, r.ref), 128)
			if errors.Is(err, probe.ErrNotFound) {
				pulled, err = nil, nil
			}
			if err != nil {
				err = fmt.Errorf("what was downloaded from remote %s could not be read (%s)", r.origin, probe.ErrorKind(err))
				break
			}
			// Offered in the list: waiting at least since the list was
			// made. Only downloaded (by a user whose saved list is not
			// read here): waiting, for how long cannot be told.
			offered, listed := l.commits[r.ref]
			switch {
			case listed && offered != r.deployed:
				fp.Pending++
				if fp.Since == nil || l.made.Before(*fp.Since) {
					fp.Since = timePtr(l.made)
				}
			case len(pulled) > 0 && strings.TrimSpace(string(pulled)) != r.deployed:
				fp.Pending++
			}
		}
		if err != nil {
			f.addError("flatpak", err)
			fp.Reason = err.Error()
			break
		}
	}
	if fp.Installed == 0 && fp.Reason == "" && fp.UserUnread == "" {
		return // not installed, or nothing installed with it
	}
	fp.Read = fp.Reason == ""
	fp.Checked = timePtr(oldest)
	if !fp.Read {
		fp.Pending, fp.Since, fp.Checked = 0, nil, nil
	}
	f.Flatpak = &fp
}

// flatpakUserUnread is why the console user's installation could not be
// looked for when who is at the screen could not be told (err): "" when
// Flatpak is not installed, so no user can have an installation.
func flatpakUserUnread(p probe.Probe, err error) string {
	who := "who is signed in at the screen could not be told (" + probe.ErrorKind(err) + ")"
	switch _, binErr := p.ReadFileHead(flatpakBin, 1); {
	case errors.Is(binErr, probe.ErrNotFound):
		return ""
	case binErr != nil:
		return who + ", nor whether Flatpak is installed (" + probe.ErrorKind(binErr) + "), so their own Flatpak apps (~/" + flatpakUser + ") could not be read"
	}
	return who + ", so their own Flatpak apps (~/" + flatpakUser + ") could not be read"
}

// refArch is a ref's architecture: app/org.example.App/x86_64/stable.
func refArch(ref string) string {
	parts := strings.Split(ref, "/")
	if len(parts) != 4 {
		return ""
	}
	return parts[2]
}

// flatpakInstalled lists an installation's deployed apps and runtimes
// from its deploy refs, with the remote each came from.
func flatpakInstalled(p probe.Probe, dir string) ([]flatpakRef, error) {
	var refs []flatpakRef
	for _, kind := range []string{"app", "runtime"} {
		base := path.Join(dir, flatpakDeployRefs, kind)
		ids, err := p.ReadDir(base)
		if errors.Is(err, probe.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			arches, err := p.ReadDir(path.Join(base, id))
			if err != nil {
				return nil, err
			}
			for _, arch := range arches {
				branches, err := p.ReadDir(path.Join(base, id, arch))
				if err != nil {
					return nil, err
				}
				for _, branch := range branches {
					ref := path.Join(kind, id, arch, branch)
					b, err := p.ReadFileHead(path.Join(dir, flatpakDeployRefs, ref), 128)
					if err != nil {
						return nil, err
					}
					commit := strings.TrimSpace(string(b))
					deploy, err := p.ReadFile(path.Join(dir, ref, commit, "deploy"))
					if err != nil {
						return nil, err
					}
					origin, err := deployOrigin(deploy)
					if err != nil {
						return nil, fmt.Errorf("%s's deploy file: %w", ref, err)
					}
					refs = append(refs, flatpakRef{ref: ref, origin: origin, deployed: commit})
				}
			}
		}
	}
	return refs, nil
}

// deployOrigin reads the remote a deployment came from: the first field
// of flatpak's deploy data, (ssasta{sv}): origin, commit, subpaths,
// installed size, metadata.
func deployOrigin(b []byte) (string, error) {
	fields, err := gvTuple(b, "(ssasta{sv})")
	if err != nil {
		return "", err
	}
	origin, err := gvString(fields[0])
	if err == nil && origin == "" {
		err = errGVariant
	}
	return origin, err
}

// compatArch is the architecture whose list also carries arch's refs
// (flatpak_get_compat_arch_reverse).
var compatArch = map[string]string{"i386": "x86_64", "arm": "aarch64"}

// flatpakListingOf reads the newest saved list of a remote that covers
// arch. No saved list is an error: what the remote offers is unknown.
func flatpakListingOf(p probe.Probe, inst flatpakInstallation, remote, arch string) (flatpakListing, error) {
	var best flatpakListing
	subset, err := flatpakRemoteSubset(p, inst.dir, remote)
	if err != nil {
		return best, fmt.Errorf("the settings of remote %s could not be read (%s)", remote, probe.ErrorKind(err))
	}
	found := false
	for _, cache := range inst.caches {
		dir := path.Join(cache, flatpakSummaries)
		idx, err := readWhole(p, path.Join(dir, remote+".idx"))
		if errors.Is(err, probe.ErrNotFound) {
			continue
		}
		if err != nil {
			return best, fmt.Errorf("remote %s's saved list could not be read (%s)", remote, probe.ErrorKind(err))
		}
		made, subs, err := parseSummaryIndex(idx, subset)
		if err != nil {
			return best, fmt.Errorf("remote %s's saved list index: %w", remote, err)
		}
		digest, ok := subs[arch]
		if !ok {
			digest, ok = subs[compatArch[arch]]
			arch = compatArch[arch]
		}
		l := flatpakListing{made: made, commits: map[string]string{}}
		if ok {
			name := path.Join(dir, remote+"-"+arch+"-"+digest+".sub")
			sub, err := readWhole(p, name)
			if err != nil {
				return best, fmt.Errorf("remote %s's saved list for %s could not be read (%s)", remote, arch, probe.ErrorKind(err))
			}
			if sum := sha256.Sum256(sub); hex.EncodeToString(sum[:]) != digest {
				return best, fmt.Errorf("remote %s's saved list for %s does not match its index", remote, arch)
			}
			if l.commits, err = parseSummaryRefs(sub); err != nil {
				return best, fmt.Errorf("remote %s's saved list for %s: %w", remote, arch, err)
			}
		}
		if !found || made.After(best.made) {
			best, found = l, true
		}
	}
	if !found {
		return best, fmt.Errorf("Flatpak has no saved list of what remote %s offers: nothing has looked for updates since it was added, or the remote is a local folder", remote)
	}
	return best, nil
}

// flatpakRemoteSubset is the subset of a remote's list this installation
// follows (xa.subset in repo/config, e.g. Flathub's "verified"), "" for
// the whole list. A config that cannot be read is an error: with the
// wrong subset the refs would count as not listed.
func flatpakRemoteSubset(p probe.Probe, dir, remote string) (string, error) {
	b, err := p.ReadFile(path.Join(dir, "repo/config"))
	if err != nil {
		return "", err
	}
	section := ""
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok && section == `[remote "`+remote+`"]` && strings.TrimSpace(k) == "xa.subset" {
			return strings.TrimSpace(v), nil
		}
	}
	return "", nil
}

// parseSummaryIndex reads a summary index, (a{s(ayaaya{sv})}a{sv}): per
// "[subset-]arch" the sha256 of its summary, and when it was made
// (ostree.summary.last-modified, big-endian seconds).
func parseSummaryIndex(b []byte, subset string) (made time.Time, subs map[string]string, err error) {
	top, err := gvTuple(b, "(a{s(ayaaya{sv})}a{sv})")
	if err != nil {
		return made, nil, err
	}
	meta, err := gvVardict(top[1])
	if err != nil {
		return made, nil, err
	}
	lm, ok := meta["ostree.summary.last-modified"]
	if !ok {
		return made, nil, errors.New("the list is not dated")
	}
	secs, err := lm.bigEndianUint64()
	if err != nil {
		return made, nil, err
	}
	made = time.Unix(int64(min(secs, 1<<40)), 0).UTC()
	entries, err := gvArray(top[0], "{s(ayaaya{sv})}")
	if err != nil {
		return made, nil, err
	}
	subs = map[string]string{}
	for _, e := range entries {
		kv, err := gvTuple(e, "{s(ayaaya{sv})}")
		if err != nil {
			return made, nil, err
		}
		name, err := gvString(kv[0])
		if err != nil {
			return made, nil, err
		}
		info, err := gvTuple(kv[1], "(ayaaya{sv})")
		if err != nil {
			return made, nil, err
		}
		s, arch, hasSubset := strings.Cut(name, "-")
		if !hasSubset {
			s, arch = "", name
		}
		if s != subset || len(info[0]) != sha256.Size {
			continue
		}
		subs[arch] = hex.EncodeToString(info[0])
	}
	return made, subs, nil
}

// parseSummaryRefs reads a summary, (a(s(taya{sv}))a{sv}): each ref and
// the commit it points to.
func parseSummaryRefs(b []byte) (map[string]string, error) {
	top, err := gvTuple(b, "(a(s(taya{sv}))a{sv})")
	if err != nil {
		return nil, err
	}
	refs, err := gvArray(top[0], "(s(taya{sv}))")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(refs))
	for _, r := range refs {
		fields, err := gvTuple(r, "(s(taya{sv}))")
		if err != nil {
			return nil, err
		}
		name, err := gvString(fields[0])
		if err != nil {
			return nil, err
		}
		commit, err := gvTuple(fields[1], "(taya{sv})")
		if err != nil {
			return nil, err
		}
		if len(commit[1]) != sha256.Size {
			return nil, errGVariant
		}
		out[name] = hex.EncodeToString(commit[1])
	}
	return out, nil
}
