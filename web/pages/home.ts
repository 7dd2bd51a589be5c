/** The home page: suggests a room name, remembers the display name, and goes to /r/:room. */
const ADJECTIVES = [
  'amber',
  'brave',
  'calm',
  'clever',
  'cosy',
  'eager',
  'gentle',
  'lucky',
  'quiet',
  'sunny',
  'swift',
  'witty',
];
const NOUNS = [
  'otter',
  'falcon',
  'maple',
  'harbor',
  'comet',
  'meadow',
  'lantern',
  'pebble',
  'river',
  'summit',
  'willow',
  'fox',
];

function pick<T>(items: readonly T[]): T {
  const [random = 0] = crypto.getRandomValues(new Uint32Array(1));
  return items[random % items.length] as T;
}

function suggestRoom(): string {
  const [number = 0] = crypto.getRandomValues(new Uint16Array(1));
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${number % 1000}`;
}

const form = document.querySelector<HTMLFormElement>('#start');
const room = document.querySelector<HTMLInputElement>('#room');
const nameInput = document.querySelector<HTMLInputElement>('#name');
const hint = document.querySelector<HTMLElement>('#hint');
const copy = document.querySelector<HTMLButtonElement>('#copy');

if (form && room && nameInput && hint && copy) {
  room.value = suggestRoom();
  nameInput.value = localStorage.getItem('vc-name') ?? '';
  const link = () => new URL(`/r/${encodeURIComponent(room.value.trim())}`, location.href).href;

  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(link());
      hint.textContent = 'Link copied. Send it to the person you want to call.';
    } catch {
      hint.textContent = link();
    }
  };

  copy.addEventListener('click', () => {
    if (!room.checkValidity()) room.reportValidity();
    else void copyLink();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    localStorage.setItem('vc-name', nameInput.value.trim());
    location.assign(link());
  });
}

export {};
