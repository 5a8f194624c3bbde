// Package useraccounts checks that the practitioner works in their own
// account on a computer that may be shared: no guest account, no automatic
// login (both fail when on), and the person at the screen not signed in with
// an administrator account for everyday work (warn). How many human accounts
// the computer has is reported as a count only; no account name ever leaves
// the collector.
//
// When nobody is signed in at the screen (a headless machine, or the login
// window is showing), guest and automatic login are still judged and the
// administrator part does not apply; the summary says so.
//
// Sources, per operating system:
//
//   - Linux (files only, read through the probe under a root prefix so tests
//     can point the collector at a fake root): /etc/passwd (human accounts
//     are UID_MIN..UID_MAX from /etc/login.defs, default 1000..60000, with a
//     login shell: listed in /etc/shells when it is readable, never nologin
//     or false), /etc/group (administrators are members of sudo, wheel or
//     admin, by member list or primary group, and root), and who else may
//     act as root: /etc/sudoers (or /usr/etc/sudoers) with its
//     @includedir/#includedir and @include files (grants of ALL commands
//     as root to the user, #uid, a %group or %#gid they are in, ALL users,
//     through User_Alias/Runas_Alias/Cmnd_Alias; with Defaults targetpw,
//     rootpw or runaspw only NOPASSWD rules count, a Defaults:<users>
//     line naming the person (by name, %group or User_Alias) overriding
//     the global one as sudo does, and a Defaults@host, >runas or !cmnd
//     line touching them taken to leave the person's own password asked),
//     /etc/doas.conf (the last permit
//     or deny without cmd for the user or a :group; a cmd rule counts when
//     its command does), where a command that
//     gives a root shell counts as ALL (linux_rootcmds.go: shells, su,
//     sudo, sudoedit, editors, pagers, env and other runners such as
//     start-stop-daemon, setarch, dbus-run-session and openvt, and
//     terminal emulators such as xterm, whatever their arguments; login
//     with -f (root's "already authenticated") or free arguments;
//     interpreters and their shells (ipython3, python3-dbg), find,
//     run-parts, tee, cp, dd, chmod, systemctl,
//     package managers and the like when their arguments are left free;
//     a directory or wildcard; systemctl verbs that page through less),
//     and polkit
//     (addAdminRule identities, and addRule functions returning YES,
//     AUTH_SELF or AUTH_SELF_KEEP, the person's own password being what
//     an admin rule asks, for every action or a prefix of at most two
//     names such as "org.freedesktop."; actions named with action.id ==
//     do not count, and any other test of the action for the person is
//     unknown; in /etc/polkit-1/rules.d and /usr/share/polkit-1/rules.d;
//     AdminIdentities in /etc/polkit-1/localauthority.conf.d). These
//     sources are combined with checks.AllOf: a grant read decides; one
//     that exists but cannot be read (sudoers and doas.conf are root-only)
//     leaves the administrator part unknown. The active display
//     manager comes from /etc/X11/default-display-manager or the ExecStart of
//     /etc/systemd/system/display-manager.service; its settings are judged:
//     GDM ([daemon] AutomaticLoginEnable/AutomaticLogin, TimedLoginEnable/
//     TimedLogin in /etc/gdm3/custom.conf, /etc/gdm3/daemon.conf or
//     /etc/gdm/custom.conf), LightDM ([Seat:*] autologin-user,
//     autologin-guest, allow-guest, greeter-allow-guest across its
//     lightdm.conf.d directories and lightdm.conf; an unset allow-guest only
//     counts when the guest-account script is installed) and SDDM
//     ([Autologin] User across sddm.conf.d and /etc/sddm.conf), greetd
//     ([initial_session] user in /etc/greetd/config.toml), ly
//     (auto_login_user in /etc/ly/config.ini, ly 1.1 and later), LXDM
//     ([base] autologin in /etc/lxdm/lxdm.conf) and nodm (always signs
//     NODM_USER in unless /etc/default/nodm says NODM_ENABLED=false). When no
//     display manager is named, every one whose configuration is present is
//     judged. A text-console autologin (agetty --autologin, or -a in any
//     getopt short form: "-a kiosk", "-akiosk", "-Lna kiosk", in a systemd
//     drop-in for getty@, serial-getty@, autovt@ or console-getty, in a
//     whole unit of theirs in /etc/systemd/system such as getty@tty1.service
//     (systemctl edit --full), or in their templates in /usr/lib/systemd/
//     system or /lib/systemd/system, edited in place) counts as automatic
//     login too, and so does the display manager's PAM service letting
//     the person in before a password (unixlogin.Passwordless: a
//     sufficient pam_permit, or a pam_succeed_if whose conditions they
//     meet, such as user ingroup nopasswdlogin, uid >= 1000 or user in a
//     list; conditions it cannot judge leave it unknown). Whether the person at the screen's account has a
//     password: passwd -S, run as that person (shadow-utils answers its
//     own user), else as the agent naming the account (Fedora's and
//     RHEL's passwd answers root only); NP, an empty password, fails
//     (signing in and unlocking the screen take none; GNOME's "log in
//     without a password" sets it); L/LK (locked) and P/PS pass; an
//     account not in /etc/passwd (a directory's) is not asked; unread is
//     unknown. Every other account with a login shell (root's too; here
//     any shell but one that ends the sign-in at once: a name ending in
//     nologin, false, true, sync, halt or shutdown, listed in /etc/shells
//     or not, since login and su never look there: an empty password
//     with /usr/bin/python3 as the shell gives an interpreter; an empty
//     shell field is /bin/sh) whose
//     password field is empty (/etc/shadow, or /etc/passwd's own field
//     when it is not "x") fails when the text console's login service or
//     the display manager's PAM service (with what it includes) runs
//     pam_unix with nullok, which accepts an empty password without
//     asking (Debian's and Ubuntu's common-auth do); those accounts are
//     counted, never named. Without nullok, or a locked field ("!", "*"),
//     passes; /etc/shadow unreadable (root only) or those services
//     unreadable is unknown.
//   - macOS: dscl . -list /Users UniqueID (humans have UniqueID >= 501 and a
//     name not starting with "_"); dsmemberutil checkmembership -u <uid> -G
//     admin for the console user, falling back to dscl . -read /Groups/admin
//     GroupMembership; a standard account is still an administrator in
//     effect when /etc/sudoers or what it includes (macOS's own includes
//     /private/etc/sudoers.d) lets it run any command as root or a root
//     shell, read with the Linux sudoers parser: the user's name or uid,
//     ALL, or a %group dsmemberutil says the user is in (staff and
//     everyone hold every local account; %admin is the group already
//     judged); sudoers unreadable (root only) is unknown. The loginwindow
//     preferences plist
//     (/Library/Preferences/com.apple.loginwindow.plist: GuestEnabled,
//     autoLoginUser), falling back to defaults read, overridden by managed
//     profiles (com.apple.MCX DisableGuestAccount/EnableGuestAccount,
//     com.apple.login.mcx.DisableAutoLoginClient). /etc/kcpassword, the
//     stored automatic-login password, is only looked for by name in a
//     listing of /etc: it is never read, so its (weakly obfuscated) content
//     never enters memory, facts or an evidence bundle; when /etc cannot be
//     listed, whether one is left is unknown. com.apple.MCX
//     EnableGuestAccount turns the guest account on; a managed profile that
//     exists but cannot be read leaves what it could change unknown.
//   - Windows: WMI root/cimv2 Win32_UserAccount (local accounts by SID: the
//     Guest account is RID 501; humans are enabled local accounts with RID
//     1000 or above, plus the built-in Administrator, RID 500, when it is
//     enabled). An enabled built-in Administrator warns (one administrator
//     account shared by whoever knows its password) unless LAPS manages
//     its password (unique to the PC and rotated). PasswordRequired is
//     recorded but not judged: false (UF_PASSWD_NOTREQD) allows a blank
//     password without saying there is one, and Windows sets it on
//     ordinary accounts linked to a Microsoft account. Then the console
//     user's membership of Administrators by SID
//     S-1-5-32-544: for a domain or Microsoft Entra ID account first from
//     the groups Windows recorded at sign-in (HKU\<SID>\SOFTWARE\Microsoft\
//     Windows\CurrentVersion\Group Policy\GroupMembership: Count and
//     Group0…, nested groups resolved); for a local account (and as the
//     fallback) from the members of Administrators through PowerShell
//     Get-LocalGroupMember -SID, falling back to WMI Win32_Group (found by
//     SID, never by its localised name) and Win32_GroupUser (domain groups
//     searched for the user, nested). Everyone, Authenticated Users,
//     INTERACTIVE, Local account and a domain's Domain Users in
//     Administrators make every such account an administrator; a domain or
//     Entra ID group the person may be in, with their recorded groups
//     unreadable, is unknown, never standard. Backup Operators
//     (S-1-5-32-551) and Hyper-V Administrators (S-1-5-32-578) act as
//     administrators: after a "no" from Administrators their members are
//     read the same way (recorded groups, Get-LocalGroupMember -SID of the
//     groups that exist, or WMI), a member warns naming the group, and
//     unread is unknown unless the recorded groups answer. Winlogon
//     AutoAdminLogon in HKLM. DefaultPassword and DefaultUserName are never
//     read.
package useraccounts
