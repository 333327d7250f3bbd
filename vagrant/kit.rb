# frozen_string_literal: true

# The classroom kit's rules as plain functions of their inputs: the box per provider and host architecture, the
# Vagrant and VirtualBox floors, and the providers refused. The Vagrantfile calls them with the real versions at
# `vagrant up`; tests/test_vagrant.py calls them with made-up ones (no provider needed). Sources are cited by each
# rule; docs/instructor-guide.md says what is proven where.
require "rubygems" # Gem::Version

module SwarmlabKit
  # Debian 12 everywhere, Debian's own docker.io: the path the libvirt bring-up proves (tests/test_vagrant_up.py).
  # bento/debian-12 is built for VirtualBox, VMware and Parallels on x86_64 and aarch64 under one name (bento's
  # CHANGELOG, "Builds for version 202510.26.0"; tests/fixtures/vagrant/box-catalogue.json); bento builds no qemu
  # (libvirt) or Hyper-V debian-12. debian/bookworm64 is Debian's own box (amd64 only).
  BOXES = {
    "amd64" => { "virtualbox" => "bento/debian-12", "vmware_desktop" => "bento/debian-12",
                 "parallels" => "bento/debian-12", "libvirt" => "debian/bookworm64" },
    "arm64" => { "virtualbox" => "bento/debian-12", "vmware_desktop" => "bento/debian-12",
                 "parallels" => "bento/debian-12" },
  }.freeze
  # Debian 12's docker.io; the trailing * is apt's version prefix match: Debian's binNMU suffix (+b6 on amd64)
  # may differ per architecture.
  DOCKER_VERSION = "20.10.24+dfsg1-1+deb12u1*"

  INSTALL = "install the current Vagrant: https://developer.hashicorp.com/vagrant/install"
  # Vagrant's floors, from its CHANGELOG and issue tracker (hashicorp/vagrant):
  # 2.4.0 added box architectures (GH-13239): before it a box published for amd64 and arm64 under one name may
  #   come in the other architecture. Every provider whose box is bento/debian-12 needs it.
  # 2.4.2 added VirtualBox 7.1 (GH-13513; below the 2.4.8 floor, so no rule of its own); VirtualBox 7.2 needs
  #   2.4.9 (issue #25's reading of the changelog).
  # 2.4.6 fixed VirtualBox private networks broken in 2.4.5 (hashicorp/vagrant#13655, fixed by #13659); issue #25
  #   records a further private-network fix in 2.4.8. The kit's swarm runs on a private network: 2.4.8.
  # libvirt: no floor. Its box is chosen by name (amd64 only) and Vagrant 2.3.4 brings the kit up here.
  FLOORS = {
    "virtualbox" => [["2.4.8", "box architectures (2.4.0) and VirtualBox's private-network fixes (2.4.6, 2.4.8)"]],
    "vmware_desktop" => [["2.4.0", "box architectures: bento/debian-12 is one name for amd64 and arm64"]],
    "parallels" => [["2.4.0", "box architectures: bento/debian-12 is one name for amd64 and arm64"]],
  }.freeze
  VIRTUALBOX_FLOORS = { "7.2" => "2.4.9" }.freeze
  # VirtualBox on an arm64 host: 7.1 is its first release there; bento's arm64 boxes need 7.1.6 (bento README).
  VIRTUALBOX_ARM64 = "7.1.6"

  def self.version(text)
    Gem::Version.new(text.to_s[/\A\d+(\.\d+)*/] || "0")
  end

  # The box for a provider on an architecture, or nil when none is published.
  def self.box(provider, arch)
    BOXES.fetch(arch, {})[provider.to_s]
  end

  # Why `vagrant up` must not go on, or nil. provider: Vagrant's provider name; arch: amd64 | arm64; host_os:
  # RbConfig's host_os; vagrant: Vagrant::VERSION; virtualbox: VirtualBox's version (virtualbox only, nil if
  # unknown); own_box: SWARMLAB_BOX is set.
  def self.refusal(provider:, arch:, host_os:, vagrant:, virtualbox: nil, own_box: false)
    provider = provider.to_s
    if provider == "hyperv"
      return "Hyper-V is not supported by this kit: Vagrant cannot give a Hyper-V machine a static private IP " \
             "(its Hyper-V docs), so swarm-manager's 192.168.x.10 would not exist and the workers could not join; " \
             "no Debian 12 box is published for Hyper-V either. Fix: use VirtualBox (vagrant up --provider " \
             "virtualbox) or VMware Workstation (--provider vmware_desktop)."
    end
    if provider == "vmware_desktop" && host_os.to_s.include?("darwin")
      return "VMware Fusion on macOS is not supported by this kit: the Vagrant VMware utility cannot create a " \
             "host-only network with a custom subnet on macOS 11 (Big Sur) and later (hashicorp/vagrant#13367), " \
             "which the private network needs. Fix: on a Mac use VirtualBox 7.1.6+ or Parallels " \
             "(vagrant up --provider virtualbox|parallels)."
    end
    if box(provider, arch).nil? && !own_box
      return "no Debian 12 box is published for #{provider} on #{arch}. Fix: use another provider (see " \
             "docs/instructor-guide.md), or set SWARMLAB_BOX to a Debian 12 box for #{provider} on #{arch}."
    end
    have = version(vagrant)
    floors = FLOORS.fetch(provider, []).dup
    if provider == "virtualbox" && virtualbox
      vb = version(virtualbox)
      VIRTUALBOX_FLOORS.each do |line, floor|
        floors << [floor, "VirtualBox #{line}"] if vb.segments[0, 2] == version(line).segments
      end
      if arch == "arm64" && vb < version(VIRTUALBOX_ARM64)
        return "VirtualBox #{virtualbox} is too old for an arm64 host: needs #{VIRTUALBOX_ARM64} or later. " \
               "Fix: install the current VirtualBox: https://www.virtualbox.org/wiki/Downloads"
      end
    end
    need, why = floors.max_by { |floor, _| version(floor) }
    if need && have < version(need)
      return "Vagrant #{vagrant} is too old for the #{provider} provider: it needs #{need} or later (#{why}). " \
             "Fix: #{INSTALL}"
    end
    nil
  end
end
