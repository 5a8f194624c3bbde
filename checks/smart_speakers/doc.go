// Package smartspeakers is the "Smart speakers" check: is a speaker that
// listens for a wake word (Amazon Echo, Google Nest / Google Home, Apple
// HomePod, a Sonos with a microphone) on the network this computer is on?
// A session's conversation can be heard by such a device, so finding one
// is a warn ("mute it or move it out of the room"); the check is not
// required by default.
//
// # Source
//
// One mDNS (DNS-SD, RFC 6763) browse per service type through
// probe.MDNS, the four running concurrently, each bounded to
// probe.MDNSBrowseTimeout (250 ms), so the check takes about that long live and is
// the same on Linux, macOS and Windows (replay: the bundle's mdns.json).
// What each device family advertises, and how the answers are told apart
// (ClassifyTXT, the parser of the TXT records):
//
//   - _googlecast._tcp: every Google Cast receiver. The TXT key md= is the
//     model: "Google Home", "Google Home Mini", "Google Nest Mini",
//     "Nest Audio", "Google Nest Hub" (captures: the Tradfri/EdgeRouter
//     tcpdump of Google-Nest-Mini-… and Nest-Audio-… answers, avahi-browse
//     output of a Nest Hub, pychromecast/go-cast users' logs). Chromecasts
//     ("Chromecast", "Chromecast Ultra", "Chromecast Audio",
//     "Google TV Streamer"), TVs with Cast built in (md= is the TV's model,
//     e.g. "TPM191E", "BRAVIA 4K GB") and "Google Cast Group" (a speaker
//     group, a virtual receiver whose members answer on their own) are not
//     speakers: they are counted as google_cast_other / google_cast_group
//     and do not warn. Third-party speakers with the Google Assistant built
//     in (JBL Link, Sony LF-S50G, Lenovo Smart Clock/Display) count as
//     google_speaker.
//   - _airplay._tcp and _raop._tcp: every AirPlay receiver. Apple devices
//     put their hardware identifier in model= (AirPlay) or am= (RAOP) and no
//     manufacturer: "AudioAccessory1,1"/"1,2" HomePod, "AudioAccessory5,1"
//     HomePod mini, "AudioAccessory6,1" HomePod (2nd generation) are
//     apple_homepod; "AppleTV…", "Mac…", "MacBook…", "iMac…" and "AirPort…"
//     are apple_other. Other makers add manufacturer= (Sonos announces
//     manufacturer=Sonos model=One; Samsung TVs manufacturer=Samsung
//     model=UAU7000), which are airplay_other unless they are Sonos. A
//     HomePod answers on both types with the same device id (deviceid= on
//     AirPlay, the "MAC@" prefix of the RAOP instance name), and is counted
//     once.
//   - Sonos: _sonos._tcp carries no model (its TXT is info=, vers=,
//     protovers=, …), so Sonos speakers are recognised from their AirPlay
//     record. Decision: a Sonos model with a far-field microphone (One,
//     Beam, Arc, Arc Ultra, Move, Move 2, Roam, Roam 2, Era 100, Era 300)
//     counts as sonos_microphone and warns, because its voice control
//     (Alexa, Google Assistant or Sonos Voice) may be switched on and the
//     network cannot say whether it is; models without a microphone (One
//     SL, Five, Amp, Port, Sub, Play:1/3/5, Ray, Roam SL, …) and models not
//     recognised are sonos_other.
//   - _amzn-wplay._tcp: Amazon's WhisperPlay/WhisperLink device manager,
//     instance names "amzn.dmgr:<id>…". Its TXT key ad= is the Amazon device
//     type (the ids the Alexa app and the aioamazondevices and
//     alexa-remote projects use): Echo, Echo Dot, Echo Show, Echo Spot,
//     Echo Studio, Echo Plus, Echo Pop, Echo Flex and the Fire TV Cube
//     (hands-free Alexa) are amazon_echo; Fire TV sticks and anything else
//     are amazon_other. Only Fire TV captures of this service could be
//     found (ad=A2LWARUGJLBYEW, Fire TV Stick 2nd gen); that Echo devices
//     answer it with their device type is an assumption the tests state.
//     _amzn-alexa._tcp is not browsed: it is advertised by devices that
//     work with Alexa (Home Assistant matches iRobot Roombas on it), not by
//     Echo speakers themselves.
//   - _spotify-connect._tcp is not browsed: it says a device can play
//     Spotify, not that it listens.
//
// # Facts and privacy
//
// Facts hold, per browsed type, how many instances answered; per device its
// kind, its model string (a product name such as "Google Nest Mini" or
// "AudioAccessory5,1", or an Amazon device type id) and whether it listens;
// and counts per kind. Instance names ("Sam's Echo"), the friendly names in
// TXT (fn=, n=), host names, addresses and device ids are never kept.
//
// # Verdicts
//
// A listening device → warn. Every browse succeeded and none answered as a
// listening device → pass (a device on another network or a guest Wi-Fi,
// or one whose network blocks multicast, cannot be seen). A browse that
// could not run (no network, no multicast-capable interface, a local
// network permission refused) and nothing found → unknown with the reason.
// An empty answer counts as a browse that succeeded only when the answers
// could be heard through a host firewall: the live probe asks from port
// 5353, so responders answer to the mDNS group (which ufw lets in, and
// firewalld when the zone has its mdns service), on the interfaces
// carrying the default route; on Linux, where it cannot (port 5353
// refused), or where its own question does not come back to it there in
// each family it was sent in (the kernel's multicast loopback copy meets
// the firewall's input rules as an answer does, so a firewall dropping
// inbound mDNS, as firewalld's public zone does, drops it too), nothing
// answering is unknown. A firewall that lets in what comes from this
// computer's own addresses but not the network's would still be missed.
// macOS and
// Windows ask only by the legacy unicast query (their own responders keep
// 5353), whose direct answers their firewalls let in by default; there
// nothing answering counts when that query went out on the default-route
// interfaces and no setting drops those answers. On Windows that is
// DisableUnicastResponsesToMulticastBroadcast (Windows Firewall lets a
// unicast answer to a multicast question in for 3 seconds unless it is 1)
// for the profile of the network in use (MSFT_NetConnectionProfile's
// NetworkCategory; unread, every profile), Group Policy's or device
// management's value over the computer's own: set or unreadable, with no
// listening speaker found, the check is unknown. On macOS it is the
// application firewall's "Block all incoming connections"
// (socketfilterfw --getglobalstate State 2, or a configuration profile's
// BlockAllIncoming with the firewall on): Apple documents that it lets in
// only the basic services (DHCP, Bonjour's mDNSResponder, IPsec), not
// whether a direct answer to another program's query gets through, so
// set or unreadable it is unknown. Facts without the reading (an older
// agent's) are unknown too.
//
// Asked of the running agent, the answer may be its background browse
// (agent/lanwatch), and the facts say how old (observed_seconds_ago). The
// agent answers from a browse under 3 minutes old made on the network the
// computer is on now; facts claiming an older one, with no listening
// speaker found, are unknown.
package smartspeakers
