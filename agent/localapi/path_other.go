//go:build !unix && !windows

package localapi

// DefaultSocketPath has no meaning here; Listen and the client fail with
// errors.ErrUnsupported.
func DefaultSocketPath() string { return "" }

func clientSocketPaths() []string { return nil }
