package mcpserver

// SetFastPath turns the lean tools/call path on or off (differential tests).
func (h *Handler) SetFastPath(on bool) { h.noFastPath = !on }
