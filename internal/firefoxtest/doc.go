// Package firefoxtest is for tests only: the preferences that keep a
// throw-away Firefox profile quiet on a machine without a network (no
// first-run pages, telemetry, updates, safe-browsing or captive-portal
// checks, no HTTPS upgrades), and the user.js that sets them. The cookie
// tests (browsers) and the tray's web-form test (tray/desktop) both start
// real Firefox with them.
//
// Only the Linux tests start Firefox, so the helpers build only there.
package firefoxtest
