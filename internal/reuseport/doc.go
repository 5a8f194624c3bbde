// Package reuseport lets a UDP socket share its port with other programs'
// sockets, as mDNS responders and listeners on one machine do (port 5353).
// It is built for Linux and macOS, where the agent listens to the mDNS
// groups; elsewhere it is empty.
package reuseport
