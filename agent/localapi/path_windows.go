//go:build windows

package localapi

// PipeName is the agent's named pipe.
const PipeName = `\\.\pipe\sessionguard-agent`

// DefaultSocketPath is the agent's named pipe.
func DefaultSocketPath() string { return PipeName }

func clientSocketPaths() []string { return []string{PipeName} }
