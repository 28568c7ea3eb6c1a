package store

import (
	"strings"
	"unicode"
)

// spanName follows the database conventions: "{operation} {table}" when both are known,
// else the operation alone, else a fixed "postgresql" (never the statement: too many
// distinct names).
func spanName(op, table string) string {
	switch {
	case op != "" && table != "":
		return op + " " + table
	case op != "":
		return op
	default:
		return "postgresql"
	}
}

// describeStatement finds a statement's operation (its first keyword, upper-cased) and, for
// the statements that name a single target table up front (INSERT INTO t, UPDATE t,
// DELETE FROM t, MERGE INTO t, COPY t, TRUNCATE t), that table, without its quotes. It
// reads only the first few words: a name for a span, not a parser; a SELECT's tables are
// left alone, as joins and subqueries make any guess misleading.
func describeStatement(sql string) (op, table string) {
	words := leadingWords(sql, 4)
	if len(words) == 0 {
		return "", ""
	}
	op = strings.ToUpper(words[0])
	if !isKeyword(op) {
		return "", ""
	}
	rest := words[1:]
	skip := func(keywords ...string) {
		for len(rest) > 0 {
			upper := strings.ToUpper(rest[0])
			found := false
			for _, k := range keywords {
				if upper == k {
					found = true
				}
			}
			if !found {
				return
			}
			rest = rest[1:]
		}
	}
	switch op {
	case "INSERT", "MERGE":
		skip("INTO")
	case "DELETE":
		skip("FROM", "ONLY")
	case "UPDATE", "COPY":
		skip("ONLY")
	case "TRUNCATE":
		skip("TABLE", "ONLY")
	default:
		return op, ""
	}
	if len(rest) == 0 || strings.HasPrefix(rest[0], "(") {
		return op, "" // COPY (SELECT ...) TO
	}
	return op, strings.ReplaceAll(rest[0], `"`, "")
}

func isKeyword(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return s != ""
}

// leadingWords returns up to n words of sql, skipping comments. A word ends at white
// space, "(", "," or ";", except inside double quotes.
func leadingWords(sql string, n int) []string {
	var words []string
	for len(words) < n {
		sql = skipSpaceAndComments(sql)
		if sql == "" {
			break
		}
		if sql[0] == '(' || sql[0] == ';' || sql[0] == ',' {
			if sql[0] == '(' {
				words = append(words, "(")
			}
			break
		}
		end, quoted := 0, false
		for end < len(sql) {
			c := sql[end]
			if c == '"' {
				quoted = !quoted
			} else if !quoted && (c == '(' || c == ',' || c == ';' || unicode.IsSpace(rune(c))) {
				break
			}
			end++
		}
		words = append(words, sql[:end])
		sql = sql[end:]
	}
	return words
}

func skipSpaceAndComments(s string) string {
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		switch {
		case strings.HasPrefix(s, "--"):
			if i := strings.IndexByte(s, '\n'); i >= 0 {
				s = s[i+1:]
			} else {
				return ""
			}
		case strings.HasPrefix(s, "/*"):
			if i := strings.Index(s, "*/"); i >= 0 {
				s = s[i+2:]
			} else {
				return ""
			}
		default:
			return s
		}
	}
}
