package captureinuse

import (
	"encoding/json"
	"regexp"
)

// scrub keeps, of what the sound servers and reg print, only what this
// check reads, so an evidence bundle holds no stream or media name (a
// recording's file name, a meeting's title), user, host or machine id,
// and no folder of a desktop program (C:\Users\<name>\…):
//
//   - pw-dump: each object's id and type, the output and input node of a
//     link, and the props media.class, application.process.binary,
//     application.name, client.id and the process ids;
//   - pactl: each entry's index and source, and the props
//     application.process.binary, application.name, application.process.id
//     and device.class;
//   - reg query: a NonPackaged program's key keeps its path (where it is
//     installed decides whether it is a call app), its home folder's
//     name replaced by "user".
//
// Output it cannot parse is dropped whole (it replays as unrecognised, as
// it was read).
func scrub(name string, args []string, out []byte) []byte {
	switch name {
	case "pw-dump":
		return scrubPWDump(out)
	case "pactl":
		return scrubPactl(out)
	case "reg":
		return []byte(nonPackagedHome.ReplaceAllString(string(out), `${1}user#`))
	}
	return out
}

// pwProps are the props kept: the process ids too, since a stream is
// named by the program its process runs (see streamPID).
var pwProps = []string{"media.class", "application.process.binary", "application.name", "client.id", "pipewire.sec.pid", "application.process.id"}

func scrubPWDump(out []byte) []byte {
	var objs []map[string]any
	if json.Unmarshal(out, &objs) != nil {
		return nil
	}
	kept := make([]map[string]any, 0, len(objs))
	for _, o := range objs {
		k := map[string]any{"id": o["id"], "type": o["type"]}
		if info, ok := o["info"].(map[string]any); ok {
			ki := map[string]any{}
			for _, f := range []string{"output-node-id", "input-node-id"} {
				if v, ok := info[f]; ok {
					ki[f] = v
				}
			}
			if props, ok := info["props"].(map[string]any); ok {
				kp := map[string]any{}
				for _, p := range pwProps {
					if v, ok := props[p]; ok {
						kp[p] = v
					}
				}
				ki["props"] = kp
			}
			k["info"] = ki
		}
		kept = append(kept, k)
	}
	b, _ := json.MarshalIndent(kept, "", "  ")
	return b
}

func scrubPactl(out []byte) []byte {
	var outs []map[string]any
	if json.Unmarshal(out, &outs) != nil {
		return nil
	}
	kept := make([]map[string]any, 0, len(outs))
	for _, o := range outs {
		kp := map[string]string{}
		if props, ok := o["properties"].(map[string]any); ok {
			for _, p := range []string{"application.process.binary", "application.name", "application.process.id", "device.class"} {
				if v, ok := props[p].(string); ok {
					kp[p] = v
				}
			}
		}
		k := map[string]any{"properties": kp}
		for _, f := range []string{"index", "source"} {
			if v, ok := o[f]; ok {
				k[f] = v
			}
		}
		kept = append(kept, k)
	}
	b, _ := json.Marshal(kept)
	return b
}

// nonPackagedHome is a desktop program's consent store key under a home
// folder (C:#Users#<name>#…): the name is replaced.
var nonPackagedHome = regexp.MustCompile(`(?i)(\\NonPackaged\\[a-z]:#Users#)[^#\r\n]+#`)
