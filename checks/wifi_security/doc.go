// Package wifisecurity checks how the Wi-Fi network this computer is
// connected to is secured.
//
// Only the connected network is graded. Open networks, Enhanced Open (OWE:
// encrypted, but anyone can join without a password), WEP, WPA (version 1),
// WPA2 with the old TKIP cipher and WPA/WPA2 mixed mode (which still admits
// WPA1 and TKIP devices: macOS "WPA/WPA2 Personal" and system_profiler's
// *_mixed modes, nmcli's "WPA1 WPA2" or older "WPA WPA2", TKIP among the
// ciphers the access point offers, a TKIP group key) are insecure: fail by
// default, warn when the policy's wifi_insecure says so. WPA2 and WPA3,
// Personal (a shared password) or Enterprise (802.1X sign-in), pass; a
// WPA2/WPA3 transition network is WPA3. On Linux with NetworkManager and
// on Windows an Enterprise connection passes only when its profile checks
// the network's authentication server (below): otherwise a fake access point with the
// network's name collects the account's password and carries the
// computer's traffic, graded by wifi_insecure too. Every connected interface is
// graded; one that could not be read keeps a pass from standing. A computer with no Wi-Fi
// adapter, or whose Wi-Fi is not connected (wired or offline), is
// not_applicable. Anything that could not be read or was not recognised is
// unknown, never pass or fail.
//
// Sources, in order:
//   - Linux: the wireless network interfaces in /sys/class/net (a uevent
//     with DEVTYPE=wlan, or a wireless/ directory), so a machine without
//     Wi-Fi is recognised without running anything; then NetworkManager
//     (nmcli -t -f ACTIVE,SSID,SECURITY,WPA-FLAGS,RSN-FLAGS dev wifi list
//     --rescan no, whose ACTIVE column is translated when nmcli runs
//     localised, and whose flags name the ciphers the access point offers);
//     wpa_cli status alone, then iwctl station <dev> show for every Wi-Fi
//     interface, when NetworkManager is not there. Each passes only when
//     the interface listing was read whole (wpa_cli only with one Wi-Fi
//     interface). nmcli lists only the interfaces NetworkManager manages
//     (a USB adapter run by its own wpa_supplicant or iwd is invisible to
//     it), so with more Wi-Fi interfaces than nmcli reports connections,
//     every interface's association is read with iw (below): associations
//     beyond NetworkManager's are graded by the access point's own
//     elements (an open one fails), and an interface iw cannot read, or
//     fewer associations than nmcli's, is unknown (interface_unread).
//     When nmcli reports no active connection (it lists no access point
//     for a device it does not manage), every Wi-Fi interface whose link
//     is not down (/sys/class/net/<if>/operstate) is read with iw all the
//     same and graded by its association's elements; one iw cannot read
//     is unknown (interface_unread).
//   - Linux, WPA2 from nmcli or iwctl, and every Wi-Fi interface when nmcli
//     may not speak for all: the associated access point's own RSN and WPA
//     elements from the kernel's scan cache (iw dev <if> scan dump, no
//     privilege, no scan triggered; the kernel marks the access point that
//     interface is associated with, and holds it while associated).
//     NetworkManager with iwd makes its flags up ("pair_ccmp group_ccmp"
//     for every access point) and iwctl names the negotiated key
//     management only, so a TKIP group cipher, TKIP beside CCMP or a WPA
//     element beside RSN is only seen there. Without iw, NetworkManager's
//     flags stand when it drives wpa_supplicant (the process list; its
//     configuration's wifi.backend when both supplicants run), or when
//     wpa_cli status names the group cipher; otherwise, and for iwd, the
//     result is unknown (cipher_unverified).
//   - Linux, an 802.1X access point from nmcli: the active Wi-Fi profiles
//     (nmcli -t -f UUID,TYPE connection show --active) and, of each, the
//     key management and 802-1x settings that decide how the server is
//     checked (nmcli -t -f 802-11-wireless-security.key-mgmt,802-1x.eap,
//     802-1x.ca-cert,802-1x.ca-path,802-1x.system-ca-certs,
//     802-1x.domain-suffix-match,802-1x.domain-match,
//     802-1x.altsubject-matches connection show uuid <uuid>; no secret is
//     asked for, and only whether each is set is kept). TLS, PEAP, TTLS
//     and FAST need a CA certificate (or the system's CAs) and the
//     server's name (a domain or altsubject match: without it any
//     certificate the CA signed is accepted, with the system's CAs any
//     public website's); LEAP and MD5 never check the server; pwd checks
//     it by the password. A profile that cannot be read, a method not
//     recognised, more 802.1X connections than 802.1X profiles, or an
//     older agent's facts without them, are unknown (server_unverified).
//     wpa_cli, iwctl and macOS do not read this: their Enterprise
//     connections are graded by the access point's security alone.
//   - macOS: system_profiler SPAirPortDataType -json (the security mode is
//     reported even when macOS redacts the network name; an interface it
//     lists connected without a security mode, or with a status that is
//     not recognised, keeps another's pass from standing:
//     interface_unread), then wdutil info (root only) and ipconfig
//     getsummary <interface>. ipconfig names the negotiated key
//     management, which cannot show mixed mode: its WPA2 alone is unknown.
//   - Windows: netsh wlan show interfaces, decoded from the console code
//     page, with localised labels and values, several interfaces (only the
//     connected ones are judged), "no wireless interface" and the Windows 11
//     24H2 location-permission message. It shows the negotiated
//     authentication and pairwise cipher only, so for WPA2 the access
//     point's own RSN and WPA elements are read from the WLAN API's BSS
//     list (probe.WLANAssociations: the current connection's BSSID, its
//     entry's elements; nothing is scanned) and graded by the iw rules
//     (checks/internal/wlanie names the suites in iw's words). When they
//     cannot be read (denied without location permission, the access
//     point not in the BSS list, the WLAN service failing, an evidence
//     bundle or an older agent's facts without the WLAN API's answer),
//     that WPA2 connection is unknown (cipher_unverified, the why in
//     facts.Unread): netsh alone cannot show mixed mode or a TKIP group
//     key. What netsh shows insecure (WPA, TKIP) still fails. When
//     netsh's answer is not recognised (a display language outside its
//     tables) or names an authentication that is not, every connected
//     interface is graded by the WLAN API's own security attributes of
//     the current connection instead (bSecurityEnabled, the
//     DOT11_AUTH_ALGORITHM and DOT11_CIPHER_ALGORITHM: numbers, the same
//     in every language), a WPA2 one by its access point's elements as
//     above.
//   - Windows, an 802.1X connection: its Wi-Fi profile's XML from the
//     WLAN API (WlanGetProfile for the current connection's profile, no
//     key asked for), graded as on Linux: the outer EAP method (EAP-TLS,
//     TTLS, PEAP; another is not recognised), PerformServerValidation
//     false (PEAP's PeapExtensions, EAP-TLS's V2 element) is no server
//     check, else ServerValidation's TrustedRootCA (none: every root CA
//     Windows trusts) and ServerNames (empty: any name). A profile that
//     cannot be read or is not recognised, or facts and bundles from
//     before it was read, are unknown (server_unverified). The profile's
//     XML never enters the facts, and an evidence bundle keeps only its
//     structure, switches and numbers.
//
// The network name (SSID) and access point address (BSSID) never enter the
// facts: they say where the practitioner is. Nor do they enter an evidence
// bundle: Scrub replaces them (and hardware and IP addresses) with
// pseudonyms in what the recorder keeps.
package wifisecurity
