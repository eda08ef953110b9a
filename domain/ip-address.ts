/**
 * IP address syntax as Go's `net.ParseIP` accepts it (Go 1.22+, built on `netip.ParseAddr`),
 * needed because NAD-client decodes `default-route` items as `net.IP` and one bad item fails
 * the whole annotation.
 */

/**
 * True when Go's `net.ParseIP` accepts `text`: dotted-quad IPv4 without leading zeros, or
 * IPv6 with at most one `::`, groups of 1–4 hex digits and an optional trailing IPv4 part.
 * Zones (`fe80::1%eth0`), surrounding spaces and CIDR suffixes are refused.
 */
export function isGoIpAddress(text: string): boolean {
  for (const ch of text) {
    if (ch === '.') return isIpv4(text);
    if (ch === ':') return isIpv6(text);
    if (ch === '%') return false;
  }
  return false;
}

function isIpv4(text: string): boolean {
  const fields = text.split('.');
  return fields.length === 4 && fields.every((f) => /^(0|[1-9][0-9]{0,2})$/.test(f) && Number(f) <= 255);
}

// Mirrors netip.parseIPv6 step by step, so that the odd cases (`1:2:3:4:5:6:7::` valid,
// `1:2:3:4:5:6:7:8::` invalid, IPv4 only in the last 32 bits) agree with Go.
function isIpv6(text: string): boolean {
  if (text.includes('%')) return false; // net.ParseIP refuses any zone
  let s = text;
  let ellipsis = -1;
  if (s.startsWith('::')) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === '') return true;
  }
  let i = 0;
  while (i < 16) {
    const group = /^[0-9a-fA-F]*/.exec(s)?.[0] ?? '';
    if (group.length > 4 || group.length === 0) return false;
    if (s.charAt(group.length) === '.') {
      if ((ellipsis < 0 && i !== 12) || i + 4 > 16) return false;
      if (!isIpv4(s)) return false;
      s = '';
      i += 4;
      break;
    }
    i += 2;
    s = s.slice(group.length);
    if (s === '') break;
    if (s.charAt(0) !== ':' || s.length === 1) return false;
    s = s.slice(1);
    if (s.charAt(0) === ':') {
      if (ellipsis >= 0) return false;
      ellipsis = i;
      s = s.slice(1);
      if (s === '') break;
    }
  }
  if (s !== '') return false;
  return i < 16 ? ellipsis >= 0 : ellipsis < 0;
}
