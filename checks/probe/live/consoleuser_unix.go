//go:build !windows

package live

import (
	"fmt"
	"os/user"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// currentUser is this process's own user.
func currentUser() (probe.User, error) {
	u, err := user.Current()
	if err != nil {
		return probe.User{}, fmt.Errorf("current user: %w", err)
	}
	return probe.User{UID: u.Uid, Name: u.Username, Home: u.HomeDir}, nil
}

// lookupUID turns a numeric uid into a User.
func lookupUID(uid string) (probe.User, error) {
	u, err := user.LookupId(uid)
	if err != nil {
		return probe.User{}, fmt.Errorf("looking up uid %s: %w", uid, err)
	}
	return probe.User{UID: u.Uid, Name: u.Username, Home: u.HomeDir}, nil
}

// userEnv is the environment of a command run as u.
func userEnv(base []string, u probe.User) []string {
	env := append([]string{}, base...)
	env = append(env, "HOME="+u.Home, "USER="+u.Name, "LOGNAME="+u.Name)
	return env
}
