module github.com/novera-bot/novera/services/health

go 1.26.0

require github.com/novera-bot/novera/libs v0.0.0

replace github.com/novera-bot/novera/libs => ../../libs
