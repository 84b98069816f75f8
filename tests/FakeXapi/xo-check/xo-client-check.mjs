// Logs in to the fake XAPI pool with Xen Orchestra's own client (npm xen-api), through the pool's SUPPORTER (so the
// client must follow HOST_IS_SLAVE), over JSON-RPC and then over XML-RPC; lists VMs; watches events; runs async
// calls; checks an error's code and parameters. Exits 0 when everything held, 1 (with the reason) otherwise.
//
// Environment: XO_URL (https://127.0.0.2:PORT), XO_USER, XO_PASSWORD; NODE_EXTRA_CA_CERTS names the fake's
// certificates, so TLS is verified (allowUnauthorized stays false).
import { createClient } from 'xen-api'
import { Cancel, CancelToken } from 'promise-toolbox'

const url = process.env.XO_URL
const user = process.env.XO_USER
const password = process.env.XO_PASSWORD
if (!url || !user || !password) {
  console.error('XO_URL, XO_USER and XO_PASSWORD are required')
  process.exit(2)
}

const timer = setTimeout(() => {
  console.error('FAIL: the check did not finish within 90 s')
  process.exit(1)
}, 90e3)

function check(cond, what) {
  if (!cond) throw new Error(what)
  console.log('ok - ' + what)
}

async function until(what, fn, ms = 15e3) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const v = await fn()
    if (v) return v
    await new Promise(r => setTimeout(r, 50))
  }
  throw new Error('timed out waiting for ' + what)
}

async function run(transport, suffix) {
  const xapi = createClient({ url, auth: { user, password }, transport, allowUnauthorized: false, debounce: 50 })
  try {
    await xapi.connect()
    check(xapi.status === 'connected', `${transport}: logged in through the supporter (HOST_IS_SLAVE followed)`)
    check(/^OpaqueRef:/.test(xapi.sessionId), `${transport}: the session is an OpaqueRef`)
    check(xapi.pool && xapi.pool.name_label === 'fake-pool', `${transport}: pool.get_all_records read`)

    await xapi.objectsFetched
    const vms = Object.values(xapi.objects.all).filter(
      o => o.$type === 'VM' && !o.is_a_template && !o.is_control_domain && !o.is_a_snapshot
    )
    const names = vms.map(v => v.name_label).sort()
    check(['web1', 'db1', 'win1'].every(n => names.includes(n)), `${transport}: lists VMs (${names.join(', ')})`)
    const records = await xapi.getAllRecords('VM')
    check(records.length >= vms.length, `${transport}: VM.get_all_records gives ${records.length} records`)

    const web1 = vms.find(v => v.name_label === 'web1')
    const db1 = vms.find(v => v.name_label === 'db1')
    check(String(web1.memory_static_max) === String(1024 * 1024 * 1024), `${transport}: int64 fields decode (memory_static_max)`)

    // Events: a change made by a call shows up in the client's cache through event.from.
    await xapi.call('VM.pause', web1.$ref)
    await until('web1 paused in the event cache', () => xapi.getObjectByRef(web1.$ref).power_state === 'Paused')
    check(true, `${transport}: event.from delivered the VM's new power state`)

    // An async call: the task is watched through events, its result (XML-RPC text) decoded, the task destroyed.
    const r = await xapi.callAsync('VM.unpause', web1.$ref)
    check(r === '', `${transport}: Async.VM.unpause succeeded (void result)`)
    await until('web1 running again', () => xapi.getObjectByRef(web1.$ref).power_state === 'Running')
    const template = Object.values(xapi.objects.all).find(o => o.$type === 'VM' && o.name_label === 'Debian Bookworm 12')
    const cloneRef = await xapi.callAsync('VM.clone', template.$ref, 'xo-clone-' + suffix)
    check(/^OpaqueRef:/.test(cloneRef), `${transport}: Async.VM.clone returned a ref decoded from the task's XML result`)
    const clone = await until('the clone in the cache', () => xapi.getObjectByRef(cloneRef, undefined))
    check(clone.name_label === 'xo-clone-' + suffix, `${transport}: the clone appeared through events`)
    // A long async call: its task's progress shows in the event cache between 0 and 1 (the fake runs tasks slowly
    // here: --task-ms 600), and a task cancelled through the client's cancel token (task.cancel) ends as cancelled.
    const seen = new Set()
    const provision = xapi.callAsync('VM.provision', cloneRef)
    const sampler = setInterval(() => {
      for (const t of Object.values(xapi.objects.all)) if (t.$type === 'task' && t.status === 'pending') seen.add(t.progress)
    }, 10)
    await provision
    clearInterval(sampler)
    check([...seen].some(p => p > 0 && p < 1), `${transport}: Async.VM.provision's task progress seen through events (${[...seen].join(', ')})`)
    check(xapi.getObjectByRef(cloneRef).is_a_template === false, `${transport}: VM.provision made the clone a VM`)
    const { cancel, token } = CancelToken.source()
    const start = xapi.callAsync(token, 'VM.start', cloneRef, false, false)
    setTimeout(() => cancel(), 100)
    let cancelled
    try {
      await start
    } catch (e) {
      cancelled = e
    }
    check(cancelled instanceof Cancel, `${transport}: a cancelled Async.VM.start ends as cancelled (task.cancel)`)
    check(xapi.getObjectByRef(cloneRef).power_state === 'Halted', `${transport}: the cancelled start left the VM halted`)
    // A move inside the pool (VM.pool_migrate, what XO does to migrate within a pool): resident_on follows through
    // events, and the VM keeps running. XAPI's own check refuses a disabled member with HOST_DISABLED [host].
    const from = xapi.getObjectByRef(web1.$ref).resident_on
    const to = Object.values(xapi.objects.all).find(o => o.$type === 'host' && o.$ref !== from)
    await xapi.callAsync('VM.pool_migrate', web1.$ref, to.$ref, { live: 'true' })
    await until('web1 on the other member', () => xapi.getObjectByRef(web1.$ref).resident_on === to.$ref)
    check(xapi.getObjectByRef(web1.$ref).power_state === 'Running', `${transport}: Async.VM.pool_migrate moved web1 to ${to.name_label}, running`)
    await xapi.call('host.disable', from)
    let refused
    try {
      await xapi.call('VM.assert_can_boot_here', web1.$ref, from)
    } catch (e) {
      refused = e
    }
    await xapi.call('host.enable', from)
    check(refused && refused.code === 'HOST_DISABLED' && refused.params[0] === from, `${transport}: VM.assert_can_boot_here on a disabled member is HOST_DISABLED [host] (${refused && refused.message})`)
    await until('async tasks destroyed', () =>
      Object.values(xapi.objects.all).filter(o => o.$type === 'task').length === 0
    )
    check(true, `${transport}: the client destroyed its tasks`)

    // An error keeps XAPI's code and parameters.
    let err
    try {
      await xapi.call('VM.unpause', db1.$ref)
    } catch (e) {
      err = e
    }
    check(err && err.code === 'VM_BAD_POWER_STATE', `${transport}: VM_BAD_POWER_STATE raised (${err && err.message})`)
    check(err.params[0] === db1.$ref && err.params[1] === 'paused' && err.params[2] === 'halted', `${transport}: with [vm; expected; actual]`)
  } finally {
    await xapi.disconnect()
  }
}

try {
  await run('json-rpc', 'json')
  await run('xml-rpc', 'xml')
  console.log('PASS: Xen Orchestra xen-api works against the fake pool')
  clearTimeout(timer)
  process.exit(0)
} catch (e) {
  console.error('FAIL: ' + (e && e.stack ? e.stack : e))
  process.exit(1)
}
