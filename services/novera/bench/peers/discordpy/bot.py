"""The discord.py peer of Novera's benchmark.

One process, written the way a discord.py user writes a small bot: a commands.AutoShardedBot
with one hybrid command, so /headpat member:<user> and "!headpat @user" are the same function.
Like Novera it counts the member's pats of the day with one upsert and answers with one embed.

Settings, from the environment:
  DISCORD_TOKEN        the bot token
  DISCORD_API_URL      REST base including the version, e.g. http://127.0.0.1:8080/api/v10
                       (default Discord's own)
  DISCORD_GATEWAY_URL  the gateway, e.g. ws://127.0.0.1:8080/gateway; discord.py dials it
                       when SHARD_COUNT is set (otherwise it asks GET /gateway/bot)
  DATABASE_URL         postgres:// URL; the bot creates its schema at start
  SHARD_COUNT          shards run in this process; unset or 0: what Discord recommends
  DISCORD_GLOBAL_RPS   ignored: discord.py does not pace requests globally by itself, it waits
                       when Discord answers 429 with X-RateLimit-Global
  PREFIX               the prefix of message commands; default "!"

It prints "ready" on stdout once every shard is connected and /headpat is registered, and
nothing per command: the benchmark measures the bot, not its logging.
"""

import asyncio
import os
import random
import signal
import sys
from datetime import timezone
from typing import Optional

import asyncpg
import discord
import yarl
from discord import app_commands
from discord.ext import commands

SCHEMA = "peer_discordpy"
PINK = 0xFF6FB5
RED = 0xE5484D

# Our own lines, as many as Novera's pools pick from, so replies have the same size and shape.
TITLES = ["Headpat time 🤲", "Pat pat 💞", "A soft headpat 🌸", "Headpat delivered 📦", "Pat service ✨",
          "Pat break 🕰️", "Here comes a pat 🐾", "Top-tier headpat 🏅"]
LINES = [
    "{} gets a headpat from the whole team 🥰",
    "Good work today, {} 💕 *pat pat*",
    "*ruffles {}'s hair* nicely played 💖",
    "{}, stand still: one headpat coming up 🤲",
    "A well-earned pat for {} 🌟",
    "{} has been patted. Carry on 😌",
    "Pat pat, {} 💞 keep it up.",
    "{} receives a premium headpat, free of charge 💅",
]
FOOTERS = ["Pats today: {} 💗", "Today's pat count: {} 🐾", "Pat #{} of the day ✨", "Headpats so far today: {} 🌸"]
SELF_LINES = ["{}, you can't pat your own head 🙄 ask a friend.", "Nice try, {} 😂 self-pats don't count."]
BOT_LINES = ["{}, I'm the one giving the pats here 😤", "Patting the bot, {}? Cute, but no 🤖"]
GIFS = [f"https://media.novera.gg/gifs/headpat-{scene}.gif"
        for scene in ("gentle", "ruffle", "double", "cat", "sleepy", "proud", "happy", "tiptoe")]

# Same table and upsert as Novera's fun.headpats: one row per guild, member and UTC day.
CREATE = [
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.headpats (
        guild_id text    NOT NULL,
        user_id  text    NOT NULL,
        day      date    NOT NULL,
        count    integer NOT NULL CHECK (count > 0),
        PRIMARY KEY (guild_id, user_id, day))""",
]
COUNT_PAT = f"""INSERT INTO {SCHEMA}.headpats AS t (guild_id, user_id, day, count) VALUES ($1, $2, $3, 1)
    ON CONFLICT (guild_id, user_id, day) DO UPDATE SET count = t.count + 1 RETURNING count"""

api = os.environ.get("DISCORD_API_URL")
if api:
    # discord.py builds every REST URL, interaction callbacks included, from Route.BASE.
    discord.http.Route.BASE = api.rstrip("/")
gateway = os.environ.get("DISCORD_GATEWAY_URL")
if gateway:
    # Dialled as is when the shard count is given; with "auto" GET /gateway/bot names it.
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


class PeerBot(commands.AutoShardedBot):
    def __init__(self, shard_count: Optional[int]):
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(command_prefix=os.environ.get("PREFIX", "!"), intents=intents, shard_count=shard_count,
                         help_command=None, allowed_mentions=discord.AllowedMentions.none())
        self.db: Optional[asyncpg.Pool] = None
        self.announced = False

    async def setup_hook(self):
        self.db = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=2, max_size=10)
        async with self.db.acquire() as conn:
            for statement in CREATE:
                await conn.execute(statement)
        self.add_command(headpat)
        await self.tree.sync()  # PUT /applications/{id}/commands: a bulk overwrite

    async def on_ready(self):
        # on_ready fires again after a reconnect; the harness wants the line once.
        if not self.announced:
            self.announced = True
            print("ready", flush=True)

    async def on_command_error(self, ctx, error):
        # Unknown "!words" are other bots' business; anything else goes to stderr.
        if not isinstance(error, commands.CommandNotFound):
            print(f"headpat: {error!r}", file=sys.stderr, flush=True)

    async def close(self):
        await super().close()
        if self.db is not None:
            await self.db.close()


@commands.hybrid_command(name="headpat", description="Give a member a headpat")
@commands.guild_only()
@app_commands.describe(member="Who gets the pat")
async def headpat(ctx: commands.Context, member: Optional[discord.Member] = None):
    if member is not None and member.bot:
        await ctx.reply(embed=discord.Embed(description=random.choice(BOT_LINES).format(ctx.author.mention), colour=RED))
        return
    if member is not None and member.id == ctx.author.id:
        await ctx.reply(embed=discord.Embed(description=random.choice(SELF_LINES).format(ctx.author.mention), colour=RED))
        return
    target = member or ctx.author
    at = (ctx.interaction.created_at if ctx.interaction else ctx.message.created_at).astimezone(timezone.utc)
    count = await ctx.bot.db.fetchval(COUNT_PAT, str(ctx.guild.id), str(target.id), at.date())
    embed = discord.Embed(title=random.choice(TITLES), description=random.choice(LINES).format(target.mention), colour=PINK)
    embed.set_image(url=random.choice(GIFS))
    embed.set_footer(text=random.choice(FOOTERS).format(count))
    # For the slash command this is the interaction response (callback type 4); for "!headpat"
    # a channel message replying to the trigger.
    await ctx.reply(embed=embed)


async def main():
    shards = int(os.environ.get("SHARD_COUNT") or 0)
    bot = PeerBot(shard_count=shards or None)
    loop = asyncio.get_running_loop()
    # SIGTERM (what the harness sends) closes the gateway sessions and the pool before exiting.
    loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(bot.close()))
    async with bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
