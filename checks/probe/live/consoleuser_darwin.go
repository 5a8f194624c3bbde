package live

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// consoleUser is the owner of /dev/console (root while the login window
// shows: nobody is logged in).
func (liveOS) consoleUser() (probe.User, error) {
	if os.Geteuid() != 0 {
		return currentUser()
	}
	fi, err := os.Stat("/dev/console")
	if err != nil {
		return probe.User{}, fmt.Errorf("console user: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return probe.User{}, fmt.Errorf("console user: nobody is logged in: %w", probe.ErrNotFound)
	}
	return lookupUID(strconv.FormatUint(uint64(st.Uid), 10))
}

// asUser runs cmd inside u's launchd session (launchctl asuser) and as u
// (sudo -u), so per-user preferences and the user's bootstrap services are
// the ones read. Both programs are fixed absolute paths.
func (liveOS) asUser(cmd *exec.Cmd, u probe.User) error {
	if os.Geteuid() != 0 || u.UID == strconv.Itoa(os.Geteuid()) {
		return nil
	}
	args := append([]string{"/bin/launchctl", "asuser", u.UID, "/usr/bin/sudo", "-n", "-u", "#" + u.UID, "--", cmd.Path}, cmd.Args[1:]...)
	cmd.Path, cmd.Args = "/bin/launchctl", args
	cmd.Env = userEnv(cmd.Env, u)
	return nil
}
