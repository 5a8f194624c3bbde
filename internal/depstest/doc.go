// Package depstest holds only a test: what each binary (and the wire
// package) links and must not link, for linux, darwin and windows.
package depstest
