package live

import (
	"fmt"
	"os/exec"

	"github.com/sessionguard/sessionguard/checks/probe"
	"golang.org/x/sys/windows"
)

// noConsoleSession is what WTSGetActiveConsoleSessionId returns when no
// session is attached to the console.
const noConsoleSession = 0xFFFFFFFF

// consoleUser is the user of the active console session: through its token
// when this process is SYSTEM, else this process's own user. UID is the SID,
// so checks read HKU\<SID> for per-user settings.
func (liveOS) consoleUser() (probe.User, error) {
	token := windows.GetCurrentProcessToken()
	if session := windows.WTSGetActiveConsoleSessionId(); session != noConsoleSession {
		var t windows.Token
		if err := windows.WTSQueryUserToken(session, &t); err == nil {
			defer t.Close()
			token = t
		}
	} else {
		return probe.User{}, fmt.Errorf("console user: no console session: %w", probe.ErrNotFound)
	}
	tu, err := token.GetTokenUser()
	if err != nil {
		return probe.User{}, fmt.Errorf("console user: %w", err)
	}
	u := probe.User{UID: tu.User.Sid.String()}
	if name, _, _, err := tu.User.Sid.LookupAccount(""); err == nil {
		u.Name = name
	}
	if home, err := token.GetUserProfileDirectory(); err == nil {
		u.Home = home
	}
	return u, nil
}

// asUser is not offered on Windows: per-user state is read from
// HKU\<SID> of the console user instead of running commands as them.
func (liveOS) asUser(cmd *exec.Cmd, u probe.User) error {
	return fmt.Errorf("running commands as the console user is not supported on Windows: %w", probe.ErrNotFound)
}
