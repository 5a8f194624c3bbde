package agent

import (
	"os"
	"path/filepath"

	"github.com/sessionguard/sessionguard/internal/statedir"
)

// DefaultStateDir is where the agent keeps its results, session log,
// spool and credentials (see internal/statedir): a system directory for the
// service (root or SYSTEM), the user's state directory when run by a user,
// and a temporary one for a user without a home directory.
func DefaultStateDir() string {
	if dir := statedir.Dir(); dir != "" {
		return dir
	}
	return filepath.Join(os.TempDir(), "sessionguard")
}
