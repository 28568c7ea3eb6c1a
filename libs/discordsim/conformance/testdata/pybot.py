"""A tiny discord.py bot for the simulator's conformance tests.

It is pointed at the simulator by SIM_URL (http://127.0.0.1:PORT) and logs in with SIM_TOKEN.
It registers the global slash command /echo, answers it and the prefix message "!ping", and
prints one JSON object per line on stdout for everything the Go test asserts on. It exits
non-zero when discord.py gives up (a bad token, close code 4004).
"""

import asyncio
import json
import os
import sys

import discord
import yarl
from discord import app_commands


def emit(event, **fields):
    fields["event"] = event
    print(json.dumps(fields), flush=True)


base = os.environ["SIM_URL"].rstrip("/")
# discord.py builds every REST URL, interaction callbacks included, from Route.BASE, and a plain
# Client dials DEFAULT_GATEWAY without asking /gateway first.
discord.http.Route.BASE = base + "/api/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL("ws" + base[len("http"):] + "/")

intents = discord.Intents.default()
intents.message_content = True


class Bot(discord.Client):
    def __init__(self):
        super().__init__(intents=intents)
        self.tree = app_commands.CommandTree(self)

    async def setup_hook(self):
        @self.tree.command(name="echo", description="Repeat a text")
        @app_commands.describe(text="What to repeat")
        async def echo(interaction: discord.Interaction, text: str):
            emit("interaction", name="echo", id=str(interaction.id), text=text)
            embed = discord.Embed(title="Echo", description=text, colour=0x5865F2)
            await interaction.response.send_message(f"echo: {text}", embed=embed)

        synced = await self.tree.sync()
        emit("commands_synced", names=[c.name for c in synced])

    async def on_ready(self):
        emit("ready", user_id=str(self.user.id), session_id=self.ws.session_id)

    async def on_guild_available(self, guild):
        emit("guild_create", guild_id=str(guild.id), channels=len(guild.text_channels))

    async def on_resumed(self):
        emit("resumed", session_id=self.ws.session_id)

    async def on_message(self, message):
        if message.author.bot:
            return
        emit("message", id=str(message.id), channel_id=str(message.channel.id), content=message.content)
        if message.content == "!ping":
            await message.reply("pong")


async def main():
    bot = Bot()
    try:
        async with bot:
            await bot.start(os.environ["SIM_TOKEN"], reconnect=True)
    except Exception as exc:  # report why discord.py stopped, then fail the process
        code = getattr(exc, "code", None)
        emit("stopped", error=f"{type(exc).__name__}: {exc}", code=code)
        sys.exit(1)


asyncio.run(main())
