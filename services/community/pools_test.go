package community

import "testing"

func TestPools(t *testing.T) {
	for _, p := range pools() {
		if err := p.Check(8, 256); err != nil {
			t.Error(err)
		}
	}
}
