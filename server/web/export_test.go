package web

// SetVerifyPassword replaces the argon2 verification (tests count the
// calls) and returns a function that restores it.
func SetVerifyPassword(f func(pw, encoded string) (bool, error)) (restore func()) {
	old := verifyPassword
	verifyPassword = f
	return func() { verifyPassword = old }
}
