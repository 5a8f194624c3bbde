package sessionlog

import "github.com/sessionguard/sessionguard/agent/statedir"

// DefaultLogPath is where the agent keeps the session log: sessions.log in
// the state directory (agent/statedir), the same file `agent run` and
// `session start` write. It returns "" when there is none (no home
// directory).
func DefaultLogPath() string {
	return statedir.File(statedir.SessionLogFile)
}
