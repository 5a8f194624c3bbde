package osupdates

import "github.com/sessionguard/sessionguard/checks/probe"

func collectWindows(p probe.Probe, f *Facts) {}
