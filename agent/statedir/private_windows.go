package statedir

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// privateDACL gives SYSTEM and the Administrators group full control, to
// the directory and everything in it, and nobody else anything; "P" stops
// %ProgramData%'s inherited ACEs (which let every user read and create).
const privateDACL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

// MkdirPrivate makes dir (and its parents) for SessionGuard's state, which
// holds the device token and the session log. On Windows file modes mean
// nothing: when this process is elevated (the service runs as SYSTEM, the
// installer as an administrator) the directory gets a protected DACL for
// SYSTEM and Administrators only, which Windows also applies to what is
// already inside (an enrol file dropped there before installing). An
// unelevated process only creates the directory.
func MkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if !windows.GetCurrentProcessToken().IsElevated() {
		return nil
	}
	sd, err := windows.SecurityDescriptorFromString(privateDACL)
	if err != nil {
		return fmt.Errorf("state directory ACL: %w", err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("state directory ACL: %w", err)
	}
	err = windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
	if err != nil {
		return fmt.Errorf("restricting %s to SYSTEM and Administrators: %w", dir, err)
	}
	return nil
}
