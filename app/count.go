package app

import (
	"context"
	"io/fs"

	"github.com/rulebook/rulebook/count"
	"github.com/rulebook/rulebook/count/job"
)

// Count counts an election from an uploaded ballot file, for returning officers.
// Nothing is stored: the count is a pure function of the ballots.
func (a *App) Count(ctx context.Context, spec job.Spec, name string, data []byte) (*count.Result, error) {
	p, err := a.allow(ctx, CountVotes, Resource{})
	if err != nil {
		return nil, err
	}
	res, err := job.Count(spec, name, data)
	if err != nil {
		return nil, err
	}
	return res, a.logAccess(ctx, p, "count", "count", spec.Method+" "+name)
}

// CountRCTab counts an RCTab contest from its configuration and CVR files.
func (a *App) CountRCTab(ctx context.Context, files fs.FS, config string) (*count.Result, error) {
	p, err := a.allow(ctx, CountVotes, Resource{})
	if err != nil {
		return nil, err
	}
	res, err := job.CountRCTab(files, config)
	if err != nil {
		return nil, err
	}
	return res, a.logAccess(ctx, p, "count", "count", "rctab "+config)
}
