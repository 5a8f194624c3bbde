//go:build windows

package evidence

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// fileOwner is the owner SID of an open file or folder.
func fileOwner(f *os.File) (*windows.SID, error) {
	sd, err := windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return nil, err
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return nil, err
	}
	return owner, nil
}

func currentUserSID() (*windows.SID, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, err
	}
	return tu.User.Sid, nil
}

// ownedBySelfOrAdmin: the open folder f belongs to this process's user,
// to the Administrators group or to SYSTEM.
func ownedBySelfOrAdmin(f *os.File) error {
	owner, err := fileOwner(f)
	if err != nil {
		return err
	}
	if self, err := currentUserSID(); err == nil && owner.Equals(self) {
		return nil
	}
	if owner.IsWellKnown(windows.WinBuiltinAdministratorsSid) || owner.IsWellKnown(windows.WinLocalSystemSid) {
		return nil
	}
	return fmt.Errorf("it belongs to %s, not to the user running this command or an administrator", owner)
}

// ownedBySelf: the open folder f belongs to this process's user, or to
// Administrators, which Windows makes the owner of what an elevated
// administrator creates (or SYSTEM's, for the agent): the same test as for
// the parent.
func ownedBySelf(f *os.File) error { return ownedBySelfOrAdmin(f) }
