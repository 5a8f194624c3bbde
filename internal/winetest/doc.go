// Package winetest runs the real Windows build of cmd/sessionguard under
// Wine (64-bit, Debian's wine64) in a throw-away prefix, from a Linux test:
// check, evidence record, the agent's named-pipe local API, the state
// directory's ACL and registry settings written with `wine reg add`. It holds
// no code of the product; everything is in wine_linux_test.go, and the
// test-only pieces it builds (a bcryptprimitives.dll for Wine 8, an ACL
// reader) are under testdata and never shipped.
package winetest
