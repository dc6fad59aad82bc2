package admin

import "strings"

// diffLine is one line of a line diff: Op is "same", "add" or "del".
type diffLine struct {
	Op, Text string
}

// maxDiffCells bounds the LCS table (lines × lines); beyond it the diff
// degrades to "everything removed, everything added".
const maxDiffCells = 4_000_000

// lineDiff compares two texts line by line (longest common subsequence)
// and returns the edit script from a to b.
func lineDiff(a, b string) []diffLine {
	al, bl := splitLines(a), splitLines(b)
	// Trim the common prefix and suffix: edits are usually local.
	pre := 0
	for pre < len(al) && pre < len(bl) && al[pre] == bl[pre] {
		pre++
	}
	suf := 0
	for suf < len(al)-pre && suf < len(bl)-pre && al[len(al)-1-suf] == bl[len(bl)-1-suf] {
		suf++
	}
	var out []diffLine
	for _, l := range al[:pre] {
		out = append(out, diffLine{"same", l})
	}
	x, y := al[pre:len(al)-suf], bl[pre:len(bl)-suf]
	if len(x)*len(y) > maxDiffCells {
		for _, l := range x {
			out = append(out, diffLine{"del", l})
		}
		for _, l := range y {
			out = append(out, diffLine{"add", l})
		}
	} else {
		// lcs[i][j] is the LCS length of x[i:] and y[j:].
		lcs := make([][]int32, len(x)+1)
		for i := range lcs {
			lcs[i] = make([]int32, len(y)+1)
		}
		for i := len(x) - 1; i >= 0; i-- {
			for j := len(y) - 1; j >= 0; j-- {
				if x[i] == y[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(x) && j < len(y) {
			switch {
			case x[i] == y[j]:
				out = append(out, diffLine{"same", x[i]})
				i, j = i+1, j+1
			case lcs[i+1][j] >= lcs[i][j+1]:
				out = append(out, diffLine{"del", x[i]})
				i++
			default:
				out = append(out, diffLine{"add", y[j]})
				j++
			}
		}
		for ; i < len(x); i++ {
			out = append(out, diffLine{"del", x[i]})
		}
		for ; j < len(y); j++ {
			out = append(out, diffLine{"add", y[j]})
		}
	}
	for _, l := range al[len(al)-suf:] {
		out = append(out, diffLine{"same", l})
	}
	return out
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
