// Package osupdates is the os_updates check: Cyber Essentials' "Security
// update management" control. It judges three things and combines them so
// that none can pass on what was not read (checks.AllOf):
//
//   - a supported system: the release is still given security updates by
//     its vendor, by an end-of-life table shipped with SessionGuard (dated
//     EOLTableDate) that the policy's updates_eol_table lines extend and
//     override;
//   - no security update left waiting: how many are pending and for at
//     least how long (fail past updates_max_age_days, warn before), from
//     state the package manager or update agent already holds (nothing is
//     refreshed, scanned or downloaded), and a restart that updates wait
//     for;
//   - automatic updates on (updates_auto_off grades them off: fail or warn).
//
// A source that could only add a warning (a restart flag, Windows Update's
// last scan time) but is there and cannot be read (denied, or an answer
// not recognised) turns what would pass unknown, saying what could not be
// read; a warning or failure from the rest stands. A flag that is not
// there is no restart due.
//
// Linux reads apt's lists (the security archives', and of a browser
// maker's own source only its browsers: vendorBrowsers; the oldest of
// those archives' Release dates says how old the picture is, as apt keeps
// a list it failed to fetch, and Ubuntu Pro's ESM extends support only
// while its own list is under a month old) and dpkg's status directly (apt-get -s takes
// ten seconds or more without apt's binary cache), /run/reboot-required
// (and, since only some hooks write it, the running kernel against the
// installed ones: aptkernel.go) and apt-config for APT::Periodic and
// unattended-upgrades' origins (Origins-Pattern and Allowed-Origins both
// empty: it installs nothing, so off) (and, without systemd, whether
// /etc/cron.daily/apt-compat is executable, stat -L -c %a, since
// run-parts skips it otherwise, and whether a cron
// daemon runs to start it: the process list, as
// for PackageKit's and YaST's cron jobs); dnf, zypper and pacman from their
// caches (dnf's and zypper's security advisories, and of every waiting
// upgrade the browsers from their makers' repositories, which publish
// none: rpmBrowsers), openSUSE's automatic updates from its timers' enablement links
// and YaST's cron job (zypperauto.go); desktop automatic updates
// (rpm-ostree's policy, PackageKit's cron job, the console user's KDE
// Discover and GNOME Software: desktopauto.go); snap holds from snapd, and
// when snapd does not answer, the snap files in /var/lib/snapd/snaps
// (snapd not running with snaps installed refreshes nothing: graded as a
// hold; any other failure: unknown where a hold could change the
// verdict); Flatpak's installations from their ostree refs and the remotes' saved lists
// (flatpak.go, gvariant.go), nothing run. Windows reads the registry
// (version, Windows Update policy, pauses, WSUS/Intune management, the
// last install, the RebootRequired and RebootPending keys) and the
// monthly cumulative update that runs (the component store's
// Package_for_RollupFix package of the running revision, listed with
// reg query, and its install time) against the monthly security release;
// the installed updates (Win32_QuickFixEngineering, which list the .NET
// Framework's cumulative update alike) can only show that update
// waiting, never that it is in; a Windows 10 22H2 counts as enrolled in Extended
// Security Updates when its build is one only enrolled PCs get, or else
// when an ESU licence is activated (SoftwareLicensingProduct). macOS reads
// com.apple.SoftwareUpdate (the last background check's recommended
// updates, when each was first offered, and the automatic-update settings,
// managed profiles first) and sw_vers; a pending macOS update's age comes
// from a dated table of macOS release dates (policy:
// updates_release_dates), which also tells an update of the running major
// version that Software Update does not list (deferred by the
// organisation's profile, com.apple.applicationaccess, or not seen yet).
package osupdates
