package mcpserver

// SetFastPath turns the lean tools/call path on or off (differential tests).
func (h *Handler) SetFastPath(on bool) { h.noFastPath = !on }

// ReplayServed counts the answers the replay path served.
func (h *Handler) ReplayServed() uint64 { return h.replays.served.Load() }
