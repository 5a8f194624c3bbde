package osupdates

import (
	"context"

	"github.com/sessionguard/sessionguard/checks/probe"
)

func collectDarwin(ctx context.Context, p probe.Probe, f *Facts) {}
