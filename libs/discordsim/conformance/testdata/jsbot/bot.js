// A tiny discord.js 14 bot for the simulator's conformance tests.
//
// SIM_URL (http://127.0.0.1:PORT) points its REST client at the simulator; the gateway URL
// then comes from the simulator's GET /gateway/bot. It logs in with SIM_TOKEN, registers the
// global slash command /echo, answers it and the prefix message "!ping", and prints one JSON
// object per line on stdout for everything the Go test asserts on. It exits non-zero when
// discord.js gives up on the connection (a bad token, close code 4004).
'use strict';

const { Client, Events, GatewayIntentBits } = require('discord.js');

function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

function stop(error, code) {
  emit('stopped', { error: String(error), code: code ?? null });
  // Leave the client to close its sockets; the exit status is what the test reads.
  process.exitCode = 1;
  client.destroy().finally(() => process.exit(1));
}

const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
  // discord.js appends /v10 itself.
  rest: { api: process.env.SIM_URL.replace(/\/$/, '') + '/api' },
});

client.once(Events.ClientReady, async (c) => {
  emit('ready', { user_id: c.user.id });
  try {
    const cmds = await c.application.commands.set([
      {
        name: 'echo',
        description: 'Repeat a text',
        options: [{ type: 3, name: 'text', description: 'What to repeat', required: true }],
      },
    ]);
    emit('commands_synced', { names: cmds.map((cmd) => cmd.name) });
  } catch (err) {
    stop(err);
  }
});

// discord.js emits guildCreate only for guilds joined after READY, so the guilds a connection
// starts with are read from the raw dispatches.
client.on(Events.Raw, (packet) => {
  if (packet.t === 'GUILD_CREATE') emit('guild_create', { guild_id: packet.d.id });
});

client.on(Events.ShardResume, (shardId, replayed) => {
  emit('resumed', { shard: shardId, replayed });
});

client.on(Events.ShardReconnecting, (shardId) => emit('reconnecting', { shard: shardId }));

// Emitted only for close codes after which discord.js will not reconnect (4004, 4010...).
client.on(Events.ShardDisconnect, (ev, shardId) => stop(`shard ${shardId} disconnected`, ev.code));

client.on(Events.InteractionCreate, async (interaction) => {
  if (!interaction.isChatInputCommand() || interaction.commandName !== 'echo') return;
  const text = interaction.options.getString('text', true);
  emit('interaction', { name: 'echo', id: interaction.id, text });
  try {
    await interaction.reply({
      content: `echo: ${text}`,
      embeds: [{ title: 'Echo', description: text, color: 0x5865f2 }],
    });
  } catch (err) {
    emit('error', { error: String(err) });
  }
});

client.on(Events.MessageCreate, async (message) => {
  if (message.author.bot) return;
  emit('message', { id: message.id, channel_id: message.channelId, content: message.content });
  if (message.content === '!ping') {
    try {
      await message.reply('pong');
    } catch (err) {
      emit('error', { error: String(err) });
    }
  }
});

client.login(process.env.SIM_TOKEN).catch((err) => stop(err, err.status));
