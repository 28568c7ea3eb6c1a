// The discord.js peer of Novera's benchmark: one process, written the way a discord.js user
// writes a small bot, answering /headpat member:<user> and "!headpat @user" like Novera does
// (an upsert counting the member's pats of the day, then one embed).
//
// Settings, from the environment:
//   DISCORD_TOKEN        the bot token
//   DISCORD_API_URL      REST base including the version, e.g. http://127.0.0.1:8080/api/v10
//                        (default Discord's own)
//   DISCORD_GATEWAY_URL  accepted for symmetry with the discord.py peer; discord.js always takes
//                        the gateway URL from GET /gateway/bot, which the REST base already points
//   DATABASE_URL         postgres:// URL; the bot creates its schema at start
//   SHARD_COUNT          shards run in this process; unset or 0: what Discord recommends
//   DISCORD_GLOBAL_RPS   the global request rate Discord granted the bot (default 50, Discord's
//                        usual); @discordjs/rest paces every request but interaction callbacks
//                        to it by itself, so a bot with a raised limit sets it
//   PREFIX               the prefix of message commands; default "!"
//
// It prints "ready" on stdout once every shard is connected and /headpat is registered, and
// nothing per command: the benchmark measures the bot, not its logging.
'use strict';

const { Client, Events, GatewayIntentBits, ApplicationCommandOptionType, MessageFlags } = require('discord.js');
const { Pool } = require('pg');

const schema = 'peer_discordjs';
const prefix = process.env.PREFIX || '!';
const pink = 0xff6fb5;
const red = 0xe5484d;

// Our own lines, as many as Novera's pools pick from, so replies have the same size and shape.
const titles = ['Headpat time 🤲', 'Pat pat 💞', 'A soft headpat 🌸', 'Headpat delivered 📦', 'Pat service ✨', 'Pat break 🕰️',
  'Here comes a pat 🐾', 'Top-tier headpat 🏅'];
const lines = [
  (m) => `${m} gets a headpat from the whole team 🥰`,
  (m) => `Good work today, ${m} 💕 *pat pat*`,
  (m) => `*ruffles ${m}'s hair* nicely played 💖`,
  (m) => `${m}, stand still: one headpat coming up 🤲`,
  (m) => `A well-earned pat for ${m} 🌟`,
  (m) => `${m} has been patted. Carry on 😌`,
  (m) => `Pat pat, ${m} 💞 keep it up.`,
  (m) => `${m} receives a premium headpat, free of charge 💅`,
];
const footers = [(n) => `Pats today: ${n} 💗`, (n) => `Today's pat count: ${n} 🐾`, (n) => `Pat #${n} of the day ✨`,
  (n) => `Headpats so far today: ${n} 🌸`];
const selfLines = [(m) => `${m}, you can't pat your own head 🙄 ask a friend.`, (m) => `Nice try, ${m} 😂 self-pats don't count.`];
const botLines = [(m) => `${m}, I'm the one giving the pats here 😤`, (m) => `Patting the bot, ${m}? Cute, but no 🤖`];
const gifs = ['gentle', 'ruffle', 'double', 'cat', 'sleepy', 'proud', 'happy', 'tiptoe']
  .map((scene) => `https://media.novera.gg/gifs/headpat-${scene}.gif`);

const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
// Embeds never ping, and the replies are sent with no allowed mentions, as Novera's are.
const noPings = { parse: [] };

const db = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

// Same table and upsert as Novera's fun.headpats: one row per guild, member and UTC day.
async function createSchema() {
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await db.query(`CREATE TABLE IF NOT EXISTS ${schema}.headpats (
    guild_id text NOT NULL,
    user_id  text NOT NULL,
    day      date NOT NULL,
    count    integer NOT NULL CHECK (count > 0),
    PRIMARY KEY (guild_id, user_id, day))`);
}

const countPat = {
  name: 'count-pat',
  text: `INSERT INTO ${schema}.headpats AS t (guild_id, user_id, day, count) VALUES ($1, $2, $3, 1)
    ON CONFLICT (guild_id, user_id, day) DO UPDATE SET count = t.count + 1 RETURNING count`,
};

// headpat returns the reply for invoker patting target (a User; null pats the invoker).
async function headpat(guildId, invoker, target, at) {
  if (target && target.bot) {
    return { embeds: [{ description: pick(botLines)(`${invoker}`), color: red }], allowedMentions: noPings };
  }
  if (target && target.id === invoker.id) {
    return { embeds: [{ description: pick(selfLines)(`${invoker}`), color: red }], allowedMentions: noPings };
  }
  const member = target ?? invoker;
  const day = at.toISOString().slice(0, 10);
  const { rows } = await db.query({ ...countPat, values: [guildId, member.id, day] });
  return {
    embeds: [{
      title: pick(titles),
      description: pick(lines)(`${member}`),
      color: pink,
      image: { url: pick(gifs) },
      footer: { text: pick(footers)(rows[0].count) },
    }],
    allowedMentions: noPings,
  };
}

const shardCount = Number(process.env.SHARD_COUNT || 0);
// discord.js also reads SHARD_COUNT by itself (its ShardingManager sets it for child processes)
// and refuses 0, which here means "as many as Discord recommends".
if (!(shardCount > 0)) delete process.env.SHARD_COUNT;
const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
  // discord.js adds the /v10 itself.
  rest: {
    api: (process.env.DISCORD_API_URL || 'https://discord.com/api/v10').replace(/\/v\d+\/?$/, ''),
    globalRequestsPerSecond: Number(process.env.DISCORD_GLOBAL_RPS) || 50,
  },
  ...(shardCount > 0 ? { shards: [...Array(shardCount).keys()], shardCount } : { shards: 'auto' }),
});

client.once(Events.ClientReady, async (c) => {
  // A bulk overwrite of the global commands, as c.application.commands.set does.
  await c.application.commands.set([{
    name: 'headpat',
    description: 'Give a member a headpat',
    dm_permission: false,
    options: [{ type: ApplicationCommandOptionType.User, name: 'member', description: 'Who gets the pat' }],
  }]);
  process.stdout.write('ready\n');
});

client.on(Events.InteractionCreate, async (interaction) => {
  if (!interaction.isChatInputCommand() || interaction.commandName !== 'headpat' || !interaction.inGuild()) return;
  try {
    const reply = await headpat(interaction.guildId, interaction.user, interaction.options.getUser('member'),
      interaction.createdAt);
    await interaction.reply(reply);
  } catch (err) {
    console.error('headpat:', err);
    if (!interaction.replied) {
      await interaction.reply({ content: 'Something went wrong, try again.', flags: MessageFlags.Ephemeral }).catch(() => {});
    }
  }
});

client.on(Events.MessageCreate, async (message) => {
  if (message.author.bot || !message.inGuild() || !message.content.startsWith(prefix)) return;
  const [word] = message.content.slice(prefix.length).trim().split(/\s+/, 1);
  if (word.toLowerCase() !== 'headpat') return;
  try {
    await message.reply(await headpat(message.guildId, message.author, message.mentions.users.first() ?? null,
      message.createdAt));
  } catch (err) {
    console.error('headpat:', err);
  }
});

async function main() {
  await createSchema();
  await client.login(process.env.DISCORD_TOKEN);
}

// SIGTERM (what the harness sends) closes the gateway sessions and the pool before exiting.
process.once('SIGTERM', () => {
  Promise.allSettled([client.destroy(), db.end()]).finally(() => process.exit(0));
});

main().catch((err) => {
  console.error('discord.js peer:', err);
  process.exit(1);
});
