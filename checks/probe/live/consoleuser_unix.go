//go:build !windows

package probe

import (
	"fmt"
	"os/user"
)

// currentUser is this process's own user.
func currentUser() (User, error) {
	u, err := user.Current()
	if err != nil {
		return User{}, fmt.Errorf("current user: %w", err)
	}
	return User{UID: u.Uid, Name: u.Username, Home: u.HomeDir}, nil
}

// lookupUID turns a numeric uid into a User.
func lookupUID(uid string) (User, error) {
	u, err := user.LookupId(uid)
	if err != nil {
		return User{}, fmt.Errorf("looking up uid %s: %w", uid, err)
	}
	return User{UID: u.Uid, Name: u.Username, Home: u.HomeDir}, nil
}

// userEnv is the environment of a command run as u.
func userEnv(base []string, u User) []string {
	env := append([]string{}, base...)
	env = append(env, "HOME="+u.Home, "USER="+u.Name, "LOGNAME="+u.Name)
	return env
}
