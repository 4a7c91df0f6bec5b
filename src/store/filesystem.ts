// What kind of filesystem a folder is on: a network or FUSE one, where a write made by
// another machine raises no inotify event here (the dashboard then polls: watch.ts).
import { readFileSync, statfsSync } from 'node:fs';

/** Filesystems whose writes from other machines raise no inotify event here (statfs f_type). */
const SHARED_FILESYSTEMS: Record<number, string> = {
  0x6969: 'NFS',
  0x517b: 'SMB',
  0xff534d42: 'CIFS',
  0xfe534d42: 'SMB2',
  0x65735546: 'FUSE',
  0x00c36400: 'Ceph',
  0x5346414f: 'AFS',
  0x6b414653: 'AFS',
  0x73757245: 'Coda',
  0x564c: 'NCP',
  0x01021997: '9P',
  0x0bd00bd0: 'Lustre',
  0x47504653: 'GPFS',
  0x01161970: 'GFS2',
  0x7461636f: 'OCFS2',
  0xaad7aaea: 'PanFS',
  0x19830326: 'BeeGFS',
  0x20030528: 'OrangeFS',
};

/** The same, by the type name /proc/mounts gives (when statfs cannot say). */
const SHARED_MOUNT_TYPE =
  /^(nfs4?|cifs|smb3?|smbfs|ceph|afs|coda|ncpfs|9p|lustre|gpfs|gfs2|ocfs2|panfs|beegfs|pvfs2|glusterfs|fuse(\..+|blk)?)$/;

/** The network or FUSE filesystem `path` is on ("NFS", "FUSE"...), or null for a local one. */
export function sharedFilesystem(path: string): string | null {
  try {
    const type = statfsSync(path).type;
    return SHARED_FILESYSTEMS[type] ?? SHARED_FILESYSTEMS[type >>> 0] ?? null;
  } catch {
    return mountType(path);
  }
}

/** The type of the mount holding `path`, from /proc/mounts (the longest mount point that contains it). */
function mountType(path: string): string | null {
  let text: string;
  try {
    text = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return null;
  }
  let best: { point: string; type: string } | null = null;
  for (const line of text.split('\n')) {
    const [, point, type] = line.split(' ');
    if (!point || !type) continue;
    const p = point.replace(/\\040/g, ' ');
    if ((path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`)) && (!best || p.length > best.point.length))
      best = { point: p, type };
  }
  return best && SHARED_MOUNT_TYPE.test(best.type) ? best.type : null;
}
