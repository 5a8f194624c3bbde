package servercli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// DefaultConfigFile holds the settings of the packaged server: the service
// reads it through systemd's EnvironmentFile, and every command reads it
// too, so `sessionguard-server admin create` after `apt install` uses the
// service's database whatever folder it is run from.
const DefaultConfigFile = "/etc/sessionguard-server/server.env"

// envPrefix starts every setting's name in the environment and the file.
const envPrefix = "SESSIONGUARD_SERVER_"

// configFile is the settings file as read: its SESSIONGUARD_SERVER_*
// assignments. A file that is not there gives an empty one.
type configFile struct {
	path   string
	values map[string]string
}

// readConfigFile reads path in systemd's EnvironmentFile syntax (KEY=VALUE
// lines, # and ; comments, values optionally in single or double quotes).
// When required is false (the default path), a missing file is no error.
func readConfigFile(path string, required bool) (configFile, error) {
	c := configFile{path: path, values: map[string]string{}}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !required:
		return configFile{}, nil
	case errors.Is(err, fs.ErrPermission):
		return c, fmt.Errorf("cannot read the settings in %s (permission denied): run this as root or as the service's user (sudo -u sessionguard-server sessionguard-server …), or give --config or --db", path)
	case err != nil:
		return c, fmt.Errorf("reading the settings: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			return c, fmt.Errorf("%s line %d: want KEY=VALUE, got %q", path, n, line)
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		if strings.HasPrefix(key, envPrefix) {
			c.values[key] = value
		}
	}
	return c, sc.Err()
}
